/** JSON schemas of Glance v2's resources, as `openstack` and SDKs read them (written for Kumo's fields). */
export function imageSchema(diskFormats: string[], containerFormats: string[]): Record<string, unknown> {
  const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: ['null', 'string'], description, ...extra });
  const ro = (def: Record<string, unknown>) => ({ ...def, readOnly: true });
  return {
    name: 'image',
    additionalProperties: { type: 'string' },
    links: [
      { href: '{self}', rel: 'self' },
      { href: '{file}', rel: 'enclosure' },
      { href: '{schema}', rel: 'describedby' },
    ],
    properties: {
      id: { type: 'string', description: 'An identifier for the image', pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$' },
      name: str('Descriptive name for the image', { maxLength: 255 }),
      status: ro({ type: 'string', description: 'Status of the image', enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'] }),
      visibility: { type: 'string', description: 'Scope of image accessibility', enum: ['community', 'public', 'private', 'shared'] },
      protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
      os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
      checksum: ro(str('md5 hash of image contents.', { maxLength: 32 })),
      os_hash_algo: ro(str('Algorithm to calculate the os_hash_value', { maxLength: 64 })),
      os_hash_value: ro(str('Hexdigest of the image contents using the algorithm specified by the os_hash_algo', { maxLength: 128 })),
      owner: str('Owner of the image', { maxLength: 255 }),
      size: ro({ type: ['null', 'integer'], description: 'Size of image file in bytes' }),
      virtual_size: ro({ type: ['null', 'integer'], description: 'Virtual size of image in bytes' }),
      container_format: str('Format of the container', { enum: [null, ...containerFormats] }),
      disk_format: str('Format of the disk', { enum: [null, ...diskFormats] }),
      created_at: ro({ type: 'string', description: 'Date and time of image registration' }),
      updated_at: ro({ type: 'string', description: 'Date and time of the last image modification' }),
      tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
      direct_url: ro({ type: 'string', description: 'URL to access the image file kept in external store' }),
      min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
      min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
      self: ro({ type: 'string', description: 'An image self url' }),
      file: ro({ type: 'string', description: 'An image file url' }),
      schema: ro({ type: 'string', description: 'An image schema url' }),
      locations: { type: 'array', items: { type: 'object' }, description: 'A set of URLs to access the image file kept in external store' },
      kernel_id: str('ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.'),
      ramdisk_id: str('ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.'),
      os_distro: { type: 'string', description: 'Common name of operating system distribution' },
      os_version: { type: 'string', description: 'Operating system version as specified by the distributor' },
      architecture: { type: 'string', description: 'Operating system architecture' },
      instance_uuid: { type: 'string', description: 'Metadata which can be used to record which instance this image is associated with.' },
    },
  };
}

export function imagesSchema(diskFormats: string[], containerFormats: string[]): Record<string, unknown> {
  return {
    name: 'images',
    properties: {
      images: { type: 'array', items: imageSchema(diskFormats, containerFormats) },
      schema: { type: 'string' },
      first: { type: 'string' },
      next: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export function memberSchema(): Record<string, unknown> {
  return {
    name: 'member',
    properties: {
      created_at: { type: 'string', description: 'Date and time of image member creation' },
      image_id: { type: 'string', description: 'An identifier for the image' },
      member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
      schema: { type: 'string', readOnly: true },
      status: { type: 'string', description: 'The status of this image member', enum: ['pending', 'accepted', 'rejected'] },
      updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
    },
  };
}

export function membersSchema(): Record<string, unknown> {
  return { name: 'members', properties: { members: { type: 'array', items: memberSchema() }, schema: { type: 'string' } }, links: [{ rel: 'describedby', href: '{schema}' }] };
}
