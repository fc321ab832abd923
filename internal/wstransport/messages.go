package wstransport

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Sub-protocol names as sent in Sec-WebSocket-Protocol.
const (
	subprotocolTransportWS = "graphql-transport-ws"
	subprotocolLegacy      = "graphql-ws"
)

// Close codes. The 44xx ones are graphql-ws' PROTOCOL.md codes; the 1xxx
// ones are RFC 6455 codes used where that protocol is silent.
const (
	CloseNormal                   = 1000 // client asked to terminate (legacy connection_terminate)
	CloseGoingAway                = 1001 // keep-alive timeout (no pong within one KeepAlive interval), or the server shutting down
	CloseMessageTooBig            = 1009 // incoming message larger than MaxMessageBytes
	CloseTryAgainLater            = 1013 // InitFunc failed for a reason of the server's (ErrTryAgainLater); clients reconnect
	CloseSlowConsumer             = 1013 // "Try Again Later" too: send buffer overflowed; clients reconnect
	CloseBadRequest               = 4400 // invalid message
	CloseUnauthorized             = 4401 // subscribe before connection_ack
	CloseForbidden                = 4403 // InitFunc rejected the connection, or Config.Watch revoked it
	CloseSubprotocolNotAcceptable = 4406 // no supported sub-protocol offered
	CloseInitTimeout              = 4408 // no connection_init within InitTimeout
	CloseSubscriberExists         = 4409 // duplicate operation id
	CloseTooManyInitRequests      = 4429 // second connection_init
	CloseInternalServerError      = 4500 // a panic while handling a message (e.g. in InitFunc)
)

// Message types of both protocols (shared names are listed once).
const (
	msgConnectionInit      = "connection_init"
	msgConnectionAck       = "connection_ack"
	msgPing                = "ping"
	msgPong                = "pong"
	msgSubscribe           = "subscribe"
	msgNext                = "next"
	msgError               = "error"
	msgComplete            = "complete"
	msgStart               = "start"
	msgStop                = "stop"
	msgData                = "data"
	msgKeepAlive           = "ka"
	msgConnectionError     = "connection_error"
	msgConnectionTerminate = "connection_terminate"
)

// dialect holds what differs between the two protocols on the sending side,
// so the operation machinery in operation.go is shared.
type dialect struct {
	name      string
	next      string // type of a result message
	keepAlive []byte // message sent every KeepAlive (conn.keepAliveTick)
	// expectPong makes the keep-alive close clients that stay silent for a
	// whole interval after a keep-alive; only graphql-transport-ws clients
	// must answer (with pong).
	expectPong bool
	// completeAfterError: graphql-transport-ws forbids complete after error;
	// legacy clients (like gqlgen's own transport) expect both.
	completeAfterError bool
	// duplicateIsFatal: graphql-transport-ws closes with 4409 on a reused
	// id; the legacy protocol has no such code, so the start is refused.
	duplicateIsFatal bool
	// handle processes one incoming message on the reader goroutine.
	handle func(c *conn, data []byte)
}

var (
	transportWS = &dialect{
		name:             subprotocolTransportWS,
		next:             msgNext,
		keepAlive:        []byte(`{"type":"ping"}`),
		expectPong:       true,
		duplicateIsFatal: true,
		handle:           (*conn).handleTransportWS,
	}
	legacyWS = &dialect{
		name:               subprotocolLegacy,
		next:               msgData,
		keepAlive:          []byte(`{"type":"ka"}`),
		completeAfterError: true,
		handle:             (*conn).handleLegacy,
	}
)

func dialectFor(subprotocol string) *dialect {
	switch subprotocol {
	case subprotocolTransportWS:
		return transportWS
	case subprotocolLegacy:
		return legacyWS
	}
	return nil
}

// inMessage is any client message. Unmarshalling into it rejects non-object
// documents and non-string type/id fields, which is most of graphql-ws'
// message validation.
type inMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// payloadIsObject reports whether an optional payload is absent, null or a
// JSON object — the only shapes PROTOCOL.md allows for init/ping/pong.
func payloadIsObject(p json.RawMessage) bool {
	p = bytes.TrimSpace(p)
	return len(p) == 0 || bytes.Equal(p, []byte("null")) || p[0] == '{'
}

// decodeParams decodes a subscribe/start payload the way gqlgen's transports
// do (numbers stay json.Number so Int/Float coercion is exact).
func decodeParams(p json.RawMessage, into any) error {
	d := json.NewDecoder(bytes.NewReader(p))
	d.UseNumber()
	return d.Decode(into)
}

// encode builds {"type":…,"id":…,"payload":…} by appending, avoiding a
// second pass over payloads that are already JSON. idJSON is the
// JSON-quoted id or nil.
func encode(typ string, idJSON []byte, payload []byte) []byte {
	b := make([]byte, 0, 32+len(typ)+len(idJSON)+len(payload))
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, '"')
	if idJSON != nil {
		b = append(b, `,"id":`...)
		b = append(b, idJSON...)
	}
	if len(payload) > 0 {
		b = append(b, `,"payload":`...)
		b = append(b, payload...)
	}
	return append(b, '}')
}

// quoteID JSON-encodes an operation id once so every message for the
// operation can reuse it.
func quoteID(id string) []byte {
	b, _ := json.Marshal(id) // strings always marshal
	return b
}

// errorsPayload renders GraphQL errors as the JSON array "error" messages
// carry.
func errorsPayload(errs gqlerror.List) []byte {
	if errs == nil {
		errs = gqlerror.List{}
	}
	b, err := json.Marshal(errs)
	if err != nil {
		b = []byte(`[{"message":"internal server error"}]`)
	}
	return b
}

// messagePayload renders {"message": msg}, the legacy connection_error shape.
func messagePayload(msg string) []byte {
	b, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg})
	return b
}

// maxCloseReason is the room left in a close frame (125 bytes) after the
// two-byte code.
const maxCloseReason = 123

// closeReason truncates a reason to fit a close frame without splitting a
// UTF-8 sequence; an oversized reason would make gorilla refuse the frame.
func closeReason(s string) string {
	if len(s) <= maxCloseReason {
		return s
	}
	s = s[:maxCloseReason]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
