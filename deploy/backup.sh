#!/usr/bin/env bash
# Back up the platform: the PostgreSQL database (pg_dump, custom format) and the media
# folder (a tar of DJANGO_MEDIA_ROOT), into one new folder with their checksums.
#
#   deploy/backup.sh /var/backups/lms/$(date +%F)
#
# Reads the production environment: DATABASE_URL, and DJANGO_MEDIA_ROOT (default
# $LMS_VAR_DIR/media, as the settings). The database is dumped first, then the media: every
# file the dump refers to is in the tar (a file added in between is only an extra).
# With object storage (AWS_STORAGE_BUCKET_NAME set) the media is in the bucket: copy the bucket with
# the object store's own tools (and keep versioning on); this script dumps the database.
# The credential key (LMS_CREDENTIAL_KEY or its file) is not in the database: keep a copy
# of it apart from these backups (README, "Back up and restore").
# deploy/restore.sh restores such a folder; tests/test_backup_restore.py runs both.
# shellcheck source=deploy/backup-common.sh
. "$(dirname "$0")/backup-common.sh" "$@"

if [ -e "$folder" ] && [ -n "$(ls -A "$folder")" ]; then
  echo "$folder is not empty: choose a new folder." >&2
  exit 1
fi
umask 077
mkdir -p "$folder"

pg_dump --format=custom --no-owner --no-privileges --file="$folder/database.dump" "$DATABASE_URL"

if [ -n "${AWS_STORAGE_BUCKET_NAME:-}" ] || [ "${DJANGO_STORAGE:-}" = "s3" ]; then
  echo "Media in object storage: copy the bucket with the object store's tools." >&2
elif [ -d "$media_root" ]; then
  tar -C "$media_root" -czf "$folder/media.tar.gz" .
else
  echo "No media folder at $media_root (DJANGO_MEDIA_ROOT)." >&2
  exit 1
fi

(cd "$folder" && sha256sum -- * > SHA256SUMS)
echo "Backed up to $folder:"
cat "$folder/SHA256SUMS"
