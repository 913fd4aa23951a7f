import { Entity, PrimaryColumn } from 'typeorm';

/** One tag of an image. */
@Entity('image_tag')
export class ImageTagEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) imageId!: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) value!: string;
}
