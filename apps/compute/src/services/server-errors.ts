import { BadRequest, Conflict, Forbidden, NotFound } from '@kumo/common/core';

/** Nova's exceptions for servers (nova/exception.py), with their messages. */
export class InstanceNotFound extends NotFound {
  constructor(id: string) {
    super(`Instance ${id} could not be found.`);
  }
}
export class ImageNotFoundForServer extends BadRequest {
  constructor(id: string) {
    super(`Image ${id} could not be found.`);
  }
}
export class ImageNotActiveForServer extends BadRequest {
  constructor(id: string) {
    super(`Image ${id} is not active.`);
  }
}
export class FlavorNotFoundForServer extends BadRequest {
  constructor(id: string) {
    super(`Flavor ${id} could not be found.`);
  }
}
export class FlavorMemoryTooSmall extends BadRequest {
  constructor() {
    super("Flavor's memory is too small for requested image.");
  }
}
export class FlavorDiskTooSmall extends BadRequest {
  constructor(flavorBytes: number, what: 'minimum size' | 'image', bytes: number) {
    // Nova's FlavorDiskSmallerThanMinDisk and FlavorDiskSmallerThanImage
    super(
      what === 'minimum size'
        ? `Flavor's disk is smaller than the minimum size specified in image metadata. Flavor disk is ${flavorBytes} bytes, minimum size is ${bytes} bytes.`
        : `Flavor's disk is too small for requested image. Flavor disk is ${flavorBytes} bytes, image is ${bytes} bytes.`,
    );
  }
}
export class InvalidKeyName extends BadRequest {
  constructor() {
    super('Invalid key_name provided.');
  }
}
export class AvailabilityZoneNotAvailable extends BadRequest {
  constructor() {
    super('The requested availability zone is not available');
  }
}
/** Nova's TooManyInstances (403 at the API). */
export class QuotaExceeded extends Forbidden {
  constructor(resource: string, requested: number, used: number, allowed: number) {
    super(`Quota exceeded for ${resource}: Requested ${requested}, but already used ${used} of ${allowed} ${resource}`);
  }
}
export class MetadataLimitExceeded extends Forbidden {
  constructor(allowed: number) {
    super(`Maximum number of metadata items exceeds ${allowed}`);
  }
}
export class InstanceNotReady extends Conflict {
  constructor(id: string) {
    super(`Instance ${id} is not ready`);
  }
}
