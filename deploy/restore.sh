#!/usr/bin/env bash
# Restore a folder written by deploy/backup.sh into a fresh (empty) PostgreSQL database and
# an empty media folder, then apply the release's migrations.
#
#   createdb --owner=lms lms_restored
#   DATABASE_URL=postgres://lms@db.internal:5432/lms_restored deploy/restore.sh /var/backups/lms/2026-12-06
#
# Run it with the production environment of the release that will serve the restored copy
# (DATABASE_URL naming the new database, DJANGO_MEDIA_ROOT the new media folder), every
# app instance and worker stopped. It refuses a database that has tables or a media folder
# that has files: it never writes over data.
# shellcheck source=deploy/backup-common.sh
. "$(dirname "$0")/backup-common.sh" "$@"
python=${PYTHON:-$here/.venv/bin/python}

(cd "$folder" && sha256sum --check --quiet SHA256SUMS)

tables=$(psql --no-psqlrc --tuples-only --no-align --dbname="$DATABASE_URL" \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "The database of DATABASE_URL has $tables tables: restore into a new, empty one." >&2
  exit 1
fi
if [ -f "$folder/media.tar.gz" ] && [ -d "$media_root" ] && [ -n "$(ls -A "$media_root")" ]; then
  echo "$media_root (DJANGO_MEDIA_ROOT) is not empty: restore into a new folder." >&2
  exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$folder/database.dump"

if [ -f "$folder/media.tar.gz" ]; then
  mkdir -p "$media_root"
  tar -C "$media_root" -xzf "$folder/media.tar.gz"
fi

# The release's migrations (none when it is the release that made the backup).
(cd "$here" && "$python" manage.py migrate --noinput)
echo "Restored $folder into the database of DATABASE_URL and $media_root."
