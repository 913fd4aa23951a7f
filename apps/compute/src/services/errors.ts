import { BadRequest, Conflict, Forbidden, NotFound } from '@kumo/common/core';

/** Nova's exceptions (nova/exception.py) with their messages, as the compute API answers them. */
export class FlavorNotFound extends NotFound {
  constructor(flavorId: string) {
    super(`Flavor ${flavorId} could not be found.`);
  }
}
export class FlavorExists extends Conflict {
  constructor(name: string) {
    super(`Flavor with name ${name} already exists.`);
  }
}
export class FlavorIdExists extends Conflict {
  constructor(flavorId: string) {
    super(`Flavor with ID ${flavorId} already exists.`);
  }
}
export class FlavorAccessExists extends Conflict {
  constructor(flavorId: string, projectId: string) {
    super(`Flavor access already exists for flavor ${flavorId} and project ${projectId} combination.`);
  }
}
export class FlavorAccessNotFound extends NotFound {
  constructor(flavorId: string, projectId: string) {
    super(`Flavor access not found for ${flavorId} / ${projectId} combination.`);
  }
}
export class FlavorExtraSpecsNotFound extends NotFound {
  constructor(flavorId: string, key: string) {
    super(`Flavor ${flavorId} has no extra specs with key ${key}.`);
  }
}
export class KeypairNotFound extends NotFound {
  constructor(name: string, userId: string) {
    super(`Keypair ${name} not found for user ${userId}`);
  }
}
export class KeyPairExists extends Conflict {
  constructor(name: string) {
    super(`Key pair '${name}' already exists.`);
  }
}
export class InvalidKeypair extends BadRequest {
  constructor(reason: string) {
    super(`Keypair data is invalid: ${reason}`);
  }
}
/** Nova answers a key pair over quota with 403 (keypairs.py), not the 413 of OverQuota. */
export class KeypairLimitExceeded extends Forbidden {
  constructor() {
    super('Quota exceeded, too many key pairs.');
  }
}
export class InvalidProject extends BadRequest {
  constructor(projectId: string) {
    super(`Project ID ${projectId} is not a valid project.`);
  }
}
export class MarkerNotFound extends BadRequest {
  constructor(marker: string) {
    super(`marker [${marker}] not found`);
  }
}
