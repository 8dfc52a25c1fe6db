#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d/): one role
# and one database per service, so that no service can read or lock another one's tables.
set -eu

create_database() {
  # psql's :"name" and :'password' quote the values, so a role named "order" (an SQL keyword) is fine.
  psql --no-psqlrc --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set name="$1" --set password="$2" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
}

create_database auth "$AUTH_DB_PASSWORD"
create_database billing "$BILLING_DB_PASSWORD"
create_database order "$ORDER_DB_PASSWORD"
create_database notification "$NOTIFICATION_DB_PASSWORD"
