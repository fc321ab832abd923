package wstransport

import (
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
)

// handleLegacy processes one message of the legacy graphql-ws protocol
// (apollo subscriptions-transport-ws). That protocol has no close codes of
// its own, so connection-level failures send connection_error (what apollo
// clients surface to the application) and then close with the same code
// graphql-transport-ws would use.
func (c *conn) handleLegacy(data []byte) {
	start := graphql.Now()
	var m inMessage
	if err := json.Unmarshal(data, &m); err != nil {
		c.connectionError(CloseBadRequest, "Invalid message received")
		return
	}
	switch m.Type {
	case msgConnectionInit:
		if !payloadIsObject(m.Payload) {
			c.connectionError(CloseBadRequest, "connection_init payload must be an object")
			return
		}
		if c.initReceived {
			c.connectionError(CloseTooManyInitRequests, "Too many initialisation requests")
			return
		}
		c.initReceived = true
		if err := c.init(m.Payload); err != nil {
			code, reason := c.initRefused(err)
			msg := err.Error() // why the credential was refused
			if code != CloseForbidden {
				msg = reason // the server's failure is not the client's to read
			}
			c.sendCtl(encode(msgConnectionError, nil, messagePayload(msg)))
			c.closeWith(code, reason)
			return
		}
		c.sendCtl([]byte(`{"type":"connection_ack"}`))
		// Apollo clients arm their keep-alive watchdog on the first ka.
		c.sendCtl(c.proto.keepAlive)
		c.ackInit()

	case msgStart:
		if m.ID == "" {
			c.connectionError(CloseBadRequest, "start message requires a non-empty id")
			return
		}
		if !c.acked {
			c.connectionError(CloseUnauthorized, "Unauthorized")
			return
		}
		var params graphql.RawParams
		if len(m.Payload) == 0 || decodeParams(m.Payload, &params) != nil || !hasQuery(&params) {
			c.sendOperationError(quoteID(m.ID), "start payload must be an object with a query string")
			return
		}
		if c.admit(m.ID) {
			c.execute(m.ID, &params, start)
		}

	case msgStop:
		if m.ID == "" {
			c.connectionError(CloseBadRequest, "stop message requires a non-empty id")
			return
		}
		c.stop(m.ID)

	case msgConnectionTerminate:
		c.closeWith(CloseNormal, "terminated")

	default:
		c.connectionError(CloseBadRequest, "Unexpected message of type "+quoteType(m.Type)+" received")
	}
}

// connectionError reports a connection-level failure and closes.
func (c *conn) connectionError(code int, msg string) {
	c.sendCtl(encode(msgConnectionError, nil, messagePayload(msg)))
	c.closeWith(code, msg)
}
