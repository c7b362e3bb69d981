# Sourced by deploy/backup.sh and deploy/restore.sh with their arguments: the backup folder
# (their one argument), the release's folder and the media folder (DJANGO_MEDIA_ROOT, else
# $LMS_VAR_DIR/media, as the settings compute it).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BACKUP_FOLDER" >&2
  exit 2
fi
folder=$1
: "${DATABASE_URL:?set DATABASE_URL (the database to back up, or the new one to restore into)}"
here=$(cd "$(dirname "$0")/.." && pwd)
media_root=${DJANGO_MEDIA_ROOT:-${LMS_VAR_DIR:-$here/var}/media}
