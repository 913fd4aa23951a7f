import { MigrationInterface, QueryRunner } from 'typeorm';

/** Images, their tags and members. */
export class ImageInitial1764200000000 implements MigrationInterface {
  name = 'ImageInitial1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE image (
      id varchar(36) NOT NULL PRIMARY KEY, name varchar(255) NULL, status varchar(20) NOT NULL, visibility varchar(20) NOT NULL,
      protected tinyint NOT NULL DEFAULT 0, os_hidden tinyint NOT NULL DEFAULT 0, checksum varchar(32) NULL,
      os_hash_algo varchar(64) NULL, os_hash_value varchar(128) NULL, size bigint NULL, virtual_size bigint NULL,
      min_disk int NOT NULL DEFAULT 0, min_ram int NOT NULL DEFAULT 0, disk_format varchar(32) NULL, container_format varchar(32) NULL,
      owner varchar(64) NULL, properties json NOT NULL, location varchar(1024) NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
      deleted_at datetime(6) NULL,
      INDEX image_owner (owner), INDEX image_visibility (visibility), INDEX image_created (created_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    await q.query(`CREATE TABLE image_tag (image_id varchar(36) NOT NULL, value varchar(255) NOT NULL, PRIMARY KEY (image_id, value),
      CONSTRAINT image_tag_image FOREIGN KEY (image_id) REFERENCES image (id) ON DELETE CASCADE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    await q.query(`CREATE TABLE image_member (image_id varchar(36) NOT NULL, member_id varchar(255) NOT NULL, status varchar(20) NOT NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
      PRIMARY KEY (image_id, member_id), INDEX image_member_member (member_id),
      CONSTRAINT image_member_image FOREIGN KEY (image_id) REFERENCES image (id) ON DELETE CASCADE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE image_member');
    await q.query('DROP TABLE image_tag');
    await q.query('DROP TABLE image');
  }
}
