import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One extra spec of a flavor (`hw:cpu_policy` = `dedicated`), a string as Nova stores it. */
@Entity('flavor_extra_spec')
export class FlavorExtraSpecEntity {
  @PrimaryColumn({ type: 'int' }) flavorId!: number;
  @PrimaryColumn({ type: 'varchar', length: 255 }) key!: string;
  @Column({ type: 'varchar', length: 255 }) value!: string;
}
