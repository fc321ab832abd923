package pg

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// registerTypes makes a connection read UUIDs and JSON the short way, and
// write UUIDs the short way.
// pgx reads a github.com/google/uuid value through its database/sql
// Scanner (the 16 bytes formatted as text, then parsed back) and a
// json.RawMessage through json.Unmarshal (the document validated byte by
// byte, then copied). Postgres sends both ready to use: 16 bytes, and JSON
// it has already validated (jsonb only, see jsonbCodec). A whole graph and its run (the editor's
// request) holds thousands of each. A uuid.UUID parameter, pgx writes
// through its database/sql Valuer: formatted as text, refused for the
// binary format (an error built and dropped), scanned back from the text
// and only then written as 16 bytes — every id of every statement, most
// of the CPU of a short read (profiled under issue 12's 2,000 AI runs).
// The UUID is those 16 bytes already.
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

// PlanEncode writes a uuid.UUID as it is (16 bytes, or its text form).
// Other values (a *uuid.UUID, a slice of them) reach this plan through
// pgx's own wrappers.
func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(uuid.UUID); ok {
		if format == pgtype.BinaryFormatCode {
			return encodeUUID{}
		}
		return encodeUUIDText{}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

type encodeUUID struct{}

func (encodeUUID) Encode(value any, buf []byte) ([]byte, error) {
	id := value.(uuid.UUID)
	return append(buf, id[:]...), nil
}

type encodeUUIDText struct{}

func (encodeUUIDText) Encode(value any, buf []byte) ([]byte, error) {
	return append(buf, value.(uuid.UUID).String()...), nil
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
