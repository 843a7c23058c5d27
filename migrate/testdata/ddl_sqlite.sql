-- all_types → "main"."all_types"
-- before the data
CREATE TABLE "main"."all_types" (
  "id" INTEGER NOT NULL,
  "flag" INTEGER,
  "tiny" INTEGER,
  "small" INTEGER,
  "medium" INTEGER,
  "regular" INTEGER,
  "big" INTEGER,
  "ubig" TEXT,
  "money" TEXT,
  "wide" TEXT,
  "f" REAL,
  "d" REAL,
  "dt" TEXT,
  "dt6" TEXT,
  "ts" TEXT,
  "dte" TEXT,
  "tm" TEXT,
  "yr" INTEGER,
  "b1" INTEGER,
  "b12" INTEGER,
  "b64" TEXT,
  "color" TEXT,
  "tags" TEXT,
  "doc" TEXT,
  "bin" BLOB,
  "vbin" BLOB,
  "blb" BLOB,
  "lblb" BLOB,
  "name" TEXT,
  "note" TEXT,
  "code" TEXT DEFAULT 'x' NOT NULL,
  PRIMARY KEY ("id")
);

-- districts → "main"."districts"
-- before the data
CREATE TABLE "main"."districts" (
  "code" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  PRIMARY KEY ("code")
);

-- household_members → "main"."household_members"
-- before the data
CREATE TABLE "main"."household_members" (
  "household_id" INTEGER NOT NULL,
  "member_no" INTEGER NOT NULL,
  "relation" TEXT NOT NULL,
  PRIMARY KEY ("household_id", "member_no")
);

-- legacy_latin1 → "main"."legacy_latin1"
-- before the data
CREATE TABLE "main"."legacy_latin1" (
  "id" INTEGER NOT NULL,
  "city" TEXT,
  PRIMARY KEY ("id")
);

-- residents → "main"."resident_info"
-- before the data
CREATE TABLE "main"."resident_info" (
  "id" INTEGER PRIMARY KEY NOT NULL,
  "district" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "id_card" TEXT,
  "updated_at" TEXT DEFAULT CURRENT_TIMESTAMP NOT NULL
);
-- after the table's data
CREATE INDEX "resident_info_idx_district_name" ON "main"."resident_info" ("district", "name");
-- after the table's data
CREATE UNIQUE INDEX "resident_info_uk_id_card" ON "main"."resident_info" ("id_card");

-- residents_gbk → "main"."residents_gbk"
-- before the data
CREATE TABLE "main"."residents_gbk" (
  "id" INTEGER NOT NULL,
  "name" TEXT NOT NULL,
  "address" TEXT,
  PRIMARY KEY ("id")
);

-- visit_log → "main"."visit_log"
-- before the data
CREATE TABLE "main"."visit_log" (
  "visited_on" TEXT NOT NULL,
  "district" TEXT,
  "note" TEXT
);

-- zero_dates → "main"."zero_dates"
-- before the data
CREATE TABLE "main"."zero_dates" (
  "id" INTEGER NOT NULL,
  "d" TEXT,
  "dt" TEXT,
  PRIMARY KEY ("id")
);

-- foreign keys, after every table's data
PRAGMA foreign_keys = OFF;
CREATE TABLE "main"."household_members__xcetl_fk" (
  "household_id" INTEGER NOT NULL,
  "member_no" INTEGER NOT NULL,
  "relation" TEXT NOT NULL,
  PRIMARY KEY ("household_id", "member_no"),
  CONSTRAINT "fk_members_resident" FOREIGN KEY ("household_id") REFERENCES "resident_info" ("id") ON DELETE CASCADE
);
INSERT INTO "main"."household_members__xcetl_fk" SELECT * FROM "main"."household_members";
DROP TABLE "main"."household_members";
ALTER TABLE "main"."household_members__xcetl_fk" RENAME TO "household_members";
CREATE TABLE "main"."resident_info__xcetl_fk" (
  "id" INTEGER PRIMARY KEY NOT NULL,
  "district" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "id_card" TEXT,
  "updated_at" TEXT DEFAULT CURRENT_TIMESTAMP NOT NULL,
  CONSTRAINT "fk_residents_district" FOREIGN KEY ("district") REFERENCES "districts" ("code") ON UPDATE CASCADE
);
INSERT INTO "main"."resident_info__xcetl_fk" SELECT * FROM "main"."resident_info";
DROP TABLE "main"."resident_info";
ALTER TABLE "main"."resident_info__xcetl_fk" RENAME TO "resident_info";
CREATE INDEX "resident_info_idx_district_name" ON "main"."resident_info" ("district", "name");
CREATE UNIQUE INDEX "resident_info_uk_id_card" ON "main"."resident_info" ("id_card");
PRAGMA foreign_keys = ON;
