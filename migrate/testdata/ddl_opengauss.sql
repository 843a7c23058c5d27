-- all_types → "grid"."all_types"
-- before the data
CREATE TABLE "grid"."all_types" (
  "id" integer NOT NULL,
  "flag" boolean,
  "tiny" smallint,
  "small" integer,
  "medium" integer,
  "regular" bigint,
  "big" bigint,
  "ubig" numeric(20,0),
  "money" numeric(12,2),
  "wide" numeric(65,30),
  "f" real,
  "d" double precision,
  "dt" timestamp,
  "dt6" timestamp(6),
  "ts" timestamp(3) with time zone,
  "dte" date,
  "tm" text,
  "yr" smallint,
  "b1" boolean,
  "b12" bigint,
  "b64" numeric(20,0),
  "color" text,
  "tags" text,
  "doc" json,
  "bin" bytea,
  "vbin" bytea,
  "blb" bytea,
  "lblb" bytea,
  "name" varchar(128),
  "note" text,
  "code" varchar(24) DEFAULT 'x' NOT NULL
);
-- before the data
COMMENT ON TABLE "grid"."all_types" IS '每种类型';
-- before the data
COMMENT ON COLUMN "grid"."all_types"."name" IS '姓名';
-- after the table's data
ALTER TABLE "grid"."all_types" ADD PRIMARY KEY ("id");

-- districts → "grid"."districts"
-- before the data
CREATE TABLE "grid"."districts" (
  "code" varchar(24) NOT NULL,
  "name" varchar(160) NOT NULL
);
-- after the table's data
ALTER TABLE "grid"."districts" ADD PRIMARY KEY ("code");

-- household_members → "grid"."household_members"
-- before the data
CREATE TABLE "grid"."household_members" (
  "household_id" bigint NOT NULL,
  "member_no" smallint NOT NULL,
  "relation" varchar(40) NOT NULL
);
-- after the table's data
ALTER TABLE "grid"."household_members" ADD PRIMARY KEY ("household_id", "member_no");

-- legacy_latin1 → "grid"."legacy_latin1"
-- before the data
CREATE TABLE "grid"."legacy_latin1" (
  "id" integer NOT NULL,
  "city" varchar(160)
);
-- after the table's data
ALTER TABLE "grid"."legacy_latin1" ADD PRIMARY KEY ("id");

-- residents → "grid"."resident_info"
-- before the data
CREATE TABLE "grid"."resident_info" (
  "id" bigint NOT NULL,
  "district" varchar(24) NOT NULL,
  "name" varchar(160) NOT NULL,
  "id_card" text,
  "updated_at" timestamp DEFAULT CURRENT_TIMESTAMP NOT NULL
);
-- after the table's data
ALTER TABLE "grid"."resident_info" ADD PRIMARY KEY ("id");
-- after the table's data
CREATE INDEX "resident_info_idx_district_name" ON "grid"."resident_info" ("district", "name");
-- after the table's data
CREATE UNIQUE INDEX "resident_info_uk_id_card" ON "grid"."resident_info" ("id_card");
-- after the table's data
CREATE SEQUENCE "grid"."resident_info_id_seq" OWNED BY "grid"."resident_info"."id";
-- after the table's data
ALTER TABLE "grid"."resident_info" ALTER COLUMN "id" SET DEFAULT nextval('"grid"."resident_info_id_seq"');
-- after the table's data
SELECT setval('"grid"."resident_info_id_seq"', COALESCE((SELECT MAX("id") FROM "grid"."resident_info"), 0) + 1, false);

-- residents_gbk → "grid"."residents_gbk"
-- before the data
CREATE TABLE "grid"."residents_gbk" (
  "id" integer NOT NULL,
  "name" varchar(80) NOT NULL,
  "address" varchar(400)
);
-- after the table's data
ALTER TABLE "grid"."residents_gbk" ADD PRIMARY KEY ("id");

-- visit_log → "grid"."visit_log"
-- before the data
CREATE TABLE "grid"."visit_log" (
  "visited_on" date NOT NULL,
  "district" varchar(24),
  "note" varchar(160)
);

-- zero_dates → "grid"."zero_dates"
-- before the data
CREATE TABLE "grid"."zero_dates" (
  "id" integer NOT NULL,
  "d" date,
  "dt" timestamp
);
-- after the table's data
ALTER TABLE "grid"."zero_dates" ADD PRIMARY KEY ("id");

-- foreign keys, after every table's data
ALTER TABLE "grid"."household_members" ADD CONSTRAINT "fk_members_resident" FOREIGN KEY ("household_id") REFERENCES "grid"."resident_info" ("id") ON DELETE CASCADE;
ALTER TABLE "grid"."resident_info" ADD CONSTRAINT "fk_residents_district" FOREIGN KEY ("district") REFERENCES "grid"."districts" ("code") ON UPDATE CASCADE;
