CREATE TABLE "delegation_status_counts" (
	"status" text NOT NULL,
	"shard" smallint NOT NULL,
	"rows" bigint NOT NULL,
	CONSTRAINT "delegation_status_counts_pk" PRIMARY KEY("status","shard")
);
