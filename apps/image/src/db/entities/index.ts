import { ImageMemberEntity } from './image-member.entity';
import { ImageTagEntity } from './image-tag.entity';
import { ImageEntity } from './image.entity';

export * from './image.entity';
export * from './image-tag.entity';
export * from './image-member.entity';

export const IMAGE_ENTITIES = [ImageEntity, ImageTagEntity, ImageMemberEntity];
