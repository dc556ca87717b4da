#!/bin/bash
# Runs once in the primary's first start (docker-entrypoint-initdb.d): let the replica stream.
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
