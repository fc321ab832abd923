package wstransport

import (
	"encoding/json"
	"errors"

	"github.com/99designs/gqlgen/graphql"
)

// handleTransportWS processes one graphql-transport-ws message. Validation
// follows graphql-ws' validateMessage: anything malformed, of an unknown
// type, or only valid server→client closes the socket with 4400.
func (c *conn) handleTransportWS(data []byte) {
	start := graphql.Now()
	var m inMessage
	if err := json.Unmarshal(data, &m); err != nil {
		c.closeWith(CloseBadRequest, "Invalid message received")
		return
	}
	switch m.Type {
	case msgConnectionInit:
		if !payloadIsObject(m.Payload) {
			c.closeWith(CloseBadRequest, `"connection_init" message expects the 'payload' property to be an object or missing`)
			return
		}
		if c.initReceived {
			c.closeWith(CloseTooManyInitRequests, "Too many initialisation requests")
			return
		}
		c.initReceived = true
		if err := c.init(m.Payload); err != nil {
			c.closeWith(c.initRefused(err))
			return
		}
		c.sendCtl([]byte(`{"type":"connection_ack"}`))
		c.ackInit()

	case msgPing:
		if !payloadIsObject(m.Payload) {
			c.closeWith(CloseBadRequest, `"ping" message expects the 'payload' property to be an object or missing`)
			return
		}
		// Pong must answer at once and may echo the ping's payload.
		c.sendCtl(encode(msgPong, nil, m.Payload))

	case msgPong:
		if !payloadIsObject(m.Payload) {
			c.closeWith(CloseBadRequest, `"pong" message expects the 'payload' property to be an object or missing`)
			return
		}
		// Receiving it already counted as liveness (conn.reads).

	case msgSubscribe:
		if m.ID == "" {
			c.closeWith(CloseBadRequest, `"subscribe" message requires a non-empty 'id' string`)
			return
		}
		var params graphql.RawParams
		if len(m.Payload) == 0 || decodeParams(m.Payload, &params) != nil || !hasQuery(&params) {
			c.closeWith(CloseBadRequest, `"subscribe" message expects the 'payload' property to be an object with a 'query' string`)
			return
		}
		if !c.acked {
			c.closeWith(CloseUnauthorized, "Unauthorized")
			return
		}
		if c.admit(m.ID) {
			c.execute(m.ID, &params, start)
		}

	case msgComplete:
		if m.ID == "" {
			c.closeWith(CloseBadRequest, `"complete" message requires a non-empty 'id' string`)
			return
		}
		c.stop(m.ID)

	default:
		c.closeWith(CloseBadRequest, "Unexpected message of type "+quoteType(m.Type)+" received")
	}
}

// hasQuery accepts a query string, or its absence when extensions are set
// so automatic persisted queries (hash only) keep working.
func hasQuery(p *graphql.RawParams) bool {
	return p.Query != "" || len(p.Extensions) > 0
}

// quoteType renders a client-chosen type for a close reason, bounded so an
// attacker cannot fill the reason.
func quoteType(t string) string {
	if len(t) > 32 {
		t = t[:32]
	}
	return string(quoteID(t))
}

// initRefused logs InitFunc's error and returns the close it calls for:
// 4403 Forbidden for a refused credential, 1013 Try Again Later when the
// server could not decide (ErrTryAgainLater). Both protocols close alike.
func (c *conn) initRefused(err error) (code int, reason string) {
	if errors.Is(err, ErrTryAgainLater) {
		c.log.Warn("websocket connection_init failed", "remote", c.ws.RemoteAddr().String(), "err", err)
		return CloseTryAgainLater, "Try again later"
	}
	c.log.Info("websocket connection_init rejected", "remote", c.ws.RemoteAddr().String(), "err", err)
	return CloseForbidden, "Forbidden"
}

// init decodes the connection_init payload and runs InitFunc. The payload is
// placed in the context before InitFunc so ContextInitPayload works there
// too.
func (c *conn) init(raw json.RawMessage) error {
	var payload map[string]any
	if len(raw) > 0 {
		if err := decodeParams(raw, &payload); err != nil {
			return err
		}
	}
	ctx := withInitPayload(c.ctx, payload)
	if c.cfg.InitFunc != nil {
		next, err := c.cfg.InitFunc(ctx, payload)
		if err != nil {
			return err
		}
		if next != nil {
			ctx = next
		}
	}
	c.ctx = ctx
	if c.cfg.Watch != nil {
		c.unwatch = c.cfg.Watch(ctx, c.revoke)
	}
	return nil
}
