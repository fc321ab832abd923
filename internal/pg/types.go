package pg

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// registerTypes makes a connection read UUIDs and JSON the short way.
// pgx reads a github.com/google/uuid value through its database/sql
// Scanner (the 16 bytes formatted as text, then parsed back) and a
// json.RawMessage through json.Unmarshal (the document validated byte by
// byte, then copied). Postgres sends both ready to use: 16 bytes, and JSON
// it has already validated (jsonb only, see jsonbCodec). A whole graph and its run (the editor's
// request) holds thousands of each.
func registerTypes(m *pgtype.Map) {
	id := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	m.RegisterType(id)
	m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: id}})
	m.RegisterType(&pgtype.Type{Name: "jsonb", OID: pgtype.JSONBOID, Codec: jsonbCodec{&pgtype.JSONBCodec{Marshal: json.Marshal, Unmarshal: json.Unmarshal}}})
}

// uuidCodec is pgx's UUID codec that also reads a binary UUID into a
// *uuid.UUID directly.
type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*uuid.UUID); ok && format == pgtype.BinaryFormatCode {
		return scanUUID{}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

type scanUUID struct{}

func (scanUUID) Scan(src []byte, dst any) error {
	if len(src) != 16 {
		if src == nil {
			return fmt.Errorf("cannot scan NULL into *uuid.UUID")
		}
		return fmt.Errorf("invalid length for UUID: %d", len(src))
	}
	copy(dst.(*uuid.UUID)[:], src)
	return nil
}

// jsonbCodec is pgx's jsonb codec that copies a document into a
// *json.RawMessage as Postgres sends it (binary: a version byte, 1, then
// the text). Only jsonb: a json value keeps its text as given, spaces
// around it included, which json.Unmarshal trims.
type jsonbCodec struct{ *pgtype.JSONBCodec }

func (c jsonbCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*json.RawMessage); ok {
		if format == pgtype.BinaryFormatCode {
			return scanRawJSONB{}
		}
		return scanRawJSON{}
	}
	return c.JSONBCodec.PlanScan(m, oid, format, target)
}

type scanRawJSON struct{}

func (scanRawJSON) Scan(src []byte, dst any) error {
	p := dst.(*json.RawMessage)
	if src == nil {
		*p = nil
		return nil
	}
	*p = append(json.RawMessage(nil), src...)
	return nil
}

type scanRawJSONB struct{}

func (scanRawJSONB) Scan(src []byte, dst any) error {
	if src == nil {
		*dst.(*json.RawMessage) = nil
		return nil
	}
	if len(src) == 0 || src[0] != 1 {
		return fmt.Errorf("unknown jsonb format")
	}
	return scanRawJSON{}.Scan(src[1:], dst)
}
