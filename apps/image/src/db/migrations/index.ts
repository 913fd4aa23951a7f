import { ImageInitial1764200000000 } from './1764200000000-initial';

/** Every image migration, in order. */
export const IMAGE_MIGRATIONS = [ImageInitial1764200000000];
