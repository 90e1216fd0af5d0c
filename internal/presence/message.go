package presence

import (
	"encoding/json"
	"errors"
	"time"
)

// Lanyard's opcodes.
const (
	opEvent      = 0
	opHello      = 1
	opInitialize = 2
	opHeartbeat  = 3
)

// MinHeartbeat and MaxHeartbeat bound the heartbeat interval, whatever
// Lanyard's hello asks for (it asks for 30 s). An interval outside them is
// clamped rather than refused, so that the connection stays useful. Below
// a second a hello would have the node send a flood of heartbeats; above
// five minutes an interval is of no use, and a big enough one overflows
// time.Duration, which once crashed the node. Should Lanyard close a
// connection that beats too seldom, the back-off opens it again.
const (
	MinHeartbeat = time.Second
	MaxHeartbeat = 5 * time.Minute
)

// message is the envelope of everything Lanyard sends.
type message struct {
	Op int             `json:"op"`
	T  string          `json:"t,omitempty"`
	D  json.RawMessage `json:"d,omitempty"`
}

// lanyardPresence is Lanyard's presence object, the parts used. The
// activities are kept raw so that only the first few are ever decoded.
type lanyardPresence struct {
	DiscordUser *struct {
		Username string `json:"username"`
	} `json:"discord_user"`
	DiscordStatus      string          `json:"discord_status"`
	Activities         json.RawMessage `json:"activities"`
	ListeningToSpotify bool            `json:"listening_to_spotify"`
	Spotify            *Spotify        `json:"spotify"`
}

// step is what one message from Lanyard asks of the client.
type step struct {
	heartbeat time.Duration // beat at this interval from now on; 0: as before
	subscribe bool          // send Initialize (the message was a hello)
	presence  []byte        // publish this presence, as JSON; nil: nothing to publish
}

// read works out what one message from Lanyard asks for, trusting none of
// it: a heartbeat interval comes back within [MinHeartbeat, MaxHeartbeat]
// and a presence cut to what the sidebar shows, at most MaxJSON bytes of
// JSON. An error says why the message is of no use; a message of a kind
// the client does not follow asks for nothing.
func read(data []byte) (step, error) {
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		return step{}, err
	}
	switch {
	case m.Op == opHello:
		var d struct {
			// A float, so that any JSON number is read and then clamped.
			HeartbeatInterval float64 `json:"heartbeat_interval"`
		}
		if err := json.Unmarshal(m.D, &d); err != nil {
			return step{}, err
		}
		if !(d.HeartbeatInterval > 0) {
			return step{}, errors.New("a hello without a positive heartbeat interval")
		}
		return step{heartbeat: heartbeatInterval(d.HeartbeatInterval), subscribe: true}, nil
	case m.Op == opEvent && (m.T == "INIT_STATE" || m.T == "PRESENCE_UPDATE"):
		var lp lanyardPresence
		if err := json.Unmarshal(m.D, &lp); err != nil {
			return step{}, err
		}
		return step{presence: encode(fromLanyard(lp))}, nil
	}
	return step{}, nil
}

// heartbeatInterval is the interval a hello's heartbeat_interval (in
// milliseconds) asks for, clamped into [MinHeartbeat, MaxHeartbeat]. It
// compares before it multiplies, so no number overflows.
func heartbeatInterval(ms float64) time.Duration {
	switch {
	case ms >= float64(MaxHeartbeat/time.Millisecond):
		return MaxHeartbeat
	case ms > float64(MinHeartbeat/time.Millisecond):
		return time.Duration(ms * float64(time.Millisecond))
	default: // NaN too, though JSON has none
		return MinHeartbeat
	}
}
