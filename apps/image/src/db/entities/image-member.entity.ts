import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A project an image is shared with, and whether it accepted. */
@Entity('image_member')
export class ImageMemberEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) imageId!: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) memberId!: string;
  @Column({ type: 'varchar', length: 20 }) status!: string;
  @CreateDateColumn({ type: 'datetime', precision: 6 }) createdAt!: Date;
  @UpdateDateColumn({ type: 'datetime', precision: 6 }) updatedAt!: Date;
}
