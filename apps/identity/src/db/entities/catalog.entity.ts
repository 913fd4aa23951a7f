import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('region')
export class RegionEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  id!: string;
  @Column({ type: 'text', nullable: true })
  description!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true })
  parentRegionId!: string | null;
}

@Entity('service')
export class ServiceEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;
  @Column({ type: 'varchar', length: 255 })
  type!: string;
  @Column({ type: 'varchar', length: 255, nullable: true })
  name!: string | null;
  @Column({ type: 'text', nullable: true })
  description!: string | null;
  @Column({ type: 'boolean', default: true })
  enabled!: boolean;
}

export type EndpointInterface = 'public' | 'internal' | 'admin';

@Entity('endpoint')
export class EndpointEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;
  @Column({ type: 'varchar', length: 64 })
  serviceId!: string;
  @Column({ type: 'varchar', length: 8 })
  interface!: EndpointInterface;
  @Column({ type: 'varchar', length: 255, nullable: true })
  regionId!: string | null;
  @Column({ type: 'text' })
  url!: string;
  @Column({ type: 'boolean', default: true })
  enabled!: boolean;
}
