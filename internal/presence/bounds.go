package presence

import (
	"bytes"
	"encoding/json"
	"net/url"
	"unicode"
)

// MaxJSON is the most bytes of JSON Publish is ever handed for one
// presence, whatever Lanyard sends. Every open page holds a copy until it
// has read it, so this bounds what a presence costs a node: a few KiB per
// stream rather than whatever a hostile Lanyard can fit in a message.
const MaxJSON = 4 << 10

// The limits of what a presence keeps of Lanyard's. Discord itself caps
// a username at 32 characters and an activity's texts at 128; the sidebar
// shows the first activity with text and the Spotify song and artist.
const (
	maxActivities = 5   // the first ones, in Discord's order
	maxName       = 32  // characters of the username
	maxText       = 128 // characters of an activity's name, state or details and of a song, artist or album
	maxURL        = 256 // bytes of an album-art address, https only
	maxTrackID    = 64  // bytes of a Spotify track id, letters and digits only (Spotify's are 22)
)

// fromLanyard is what the pages show of Lanyard's presence, every part of
// it cut to the limits above.
func fromLanyard(lp lanyardPresence) Presence {
	p := Presence{Enabled: true, Connected: true, Status: lp.DiscordStatus, Activities: firstActivities(lp.Activities)}
	switch p.Status {
	case "online", "idle", "dnd", "offline":
	default:
		p.Status = "offline"
	}
	if lp.DiscordUser != nil {
		p.Username = clip(lp.DiscordUser.Username, maxName)
	}
	if lp.ListeningToSpotify && lp.Spotify != nil {
		p.Spotify = &Spotify{
			Song:     clip(lp.Spotify.Song, maxText),
			Artist:   clip(lp.Spotify.Artist, maxText),
			Album:    clip(lp.Spotify.Album, maxText),
			AlbumArt: albumArt(lp.Spotify.AlbumArt),
			TrackID:  trackID(lp.Spotify.TrackID),
		}
	}
	return p
}

// firstActivities decodes the first maxActivities of Lanyard's activities
// and no more: a message can hold hundreds of thousands of tiny ones, and
// decoding them all would cost many times the message's size. An activity
// that is not an object ends the list; anything but a list gives none.
func firstActivities(raw json.RawMessage) []Activity {
	acts := []Activity{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return acts
	}
	for len(acts) < maxActivities && dec.More() {
		var a Activity
		if err := dec.Decode(&a); err != nil {
			break
		}
		acts = append(acts, Activity{Name: clip(a.Name, maxText), Type: a.Type,
			State: clip(a.State, maxText), Details: clip(a.Details, maxText)})
	}
	return acts
}

// clip drops control characters from s and cuts it to n characters, the
// last one then an ellipsis so the reader sees that it was cut.
func clip(s string, n int) string {
	out := make([]rune, 0, min(len(s), n))
	for _, r := range s {
		if unicode.IsControl(r) {
			continue
		}
		if len(out) == n {
			out[n-1] = '…'
			break
		}
		out = append(out, r)
	}
	return string(out)
}

// albumArt is u if it is a short https address, else nothing.
func albumArt(u string) string {
	if len(u) > maxURL {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" || p.User != nil {
		return ""
	}
	return u
}

// trackID is id if it looks like a Spotify id, else nothing.
func trackID(id string) string {
	if len(id) > maxTrackID {
		return ""
	}
	for _, r := range id {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return ""
		}
	}
	return id
}

// encode is p as JSON of at most MaxJSON bytes. Should the limits above
// not suffice (every character escaped, say), it cuts p until it fits:
// the status alone always does.
func encode(p Presence) []byte {
	for {
		b, err := json.Marshal(p) // cannot fail: strings, numbers and bools
		if err == nil && len(b) <= MaxJSON {
			return b
		}
		if !cut(&p) {
			return []byte(`{"enabled":true,"connected":false,"status":"offline","activities":[],"spotify":null}`)
		}
	}
}

// cut drops the part of p the sidebar can best do without: activities
// after the first, from the last; then what it does not show of the
// Spotify track (album, art, id); then the first activity, the track and
// the username. It says false when nothing is left to drop.
func cut(p *Presence) bool {
	switch s := p.Spotify; {
	case len(p.Activities) > 1:
		p.Activities = p.Activities[:len(p.Activities)-1]
	case s != nil && (s.Album != "" || s.AlbumArt != "" || s.TrackID != ""):
		p.Spotify = &Spotify{Song: s.Song, Artist: s.Artist}
	case len(p.Activities) == 1:
		p.Activities = p.Activities[:0]
	case s != nil:
		p.Spotify = nil
	case p.Username != "":
		p.Username = ""
	default:
		return false
	}
	return true
}
