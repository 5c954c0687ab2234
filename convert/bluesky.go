package convert

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Bluesky collections conversion reads.
const (
	bskyPost   = "app.bsky.feed.post"
	bskyRepost = "app.bsky.feed.repost"
)

// jetEvent holds the fields of a Jetstream event that conversion reads.
type jetEvent struct {
	Did    string `json:"did"`
	TimeUS *int64 `json:"time_us"`
	Kind   string `json:"kind"`
	Commit *struct {
		Operation  string `json:"operation"`
		Collection string `json:"collection"`
		Rkey       string `json:"rkey"`
		Record     *struct {
			Subject *struct {
				URI string `json:"uri"`
			} `json:"subject"`
			Reply *json.RawMessage `json:"reply"`
			Embed *struct {
				Type string `json:"$type"`
			} `json:"embed"`
		} `json:"record"`
	} `json:"commit"`
}

// DecodeBluesky decodes one Bluesky Jetstream event. A commit creating an
// app.bsky.feed.post record is a post (a reply when the record has reply,
// a quote when its embed is app.bsky.embed.record or
// app.bsky.embed.recordWithMedia); one creating an app.bsky.feed.repost is
// a repost of the post its subject.uri names; a commit deleting either is
// a delete. The id of a record is its at:// URI (at://DID/COLLECTION/RKEY).
// The time of an event is time_us, the time Jetstream received it (the
// record's createdAt is set by the client and may be anything). The time
// of a reposted post, until its own event is seen, is the time in its
// record key, a TID (see TIDTime). Jetstream gives no follower counts.
// Other kinds (identity, account), collections and operations are skipped.
func DecodeBluesky(line []byte, dst []Post) ([]Post, error) {
	var e jetEvent
	if err := json.Unmarshal(line, &e); err != nil {
		return dst, fmt.Errorf("not a JSON object: %w", err)
	}
	if e.Kind != "commit" {
		if e.Kind == "" {
			return dst, errors.New("event without a kind")
		}
		return append(dst, Post{Kind: KindOther, Reason: e.Kind + " event"}), nil
	}
	c := e.Commit
	if c == nil {
		return dst, errors.New("commit event without a commit")
	}
	if c.Collection != bskyPost && c.Collection != bskyRepost {
		return append(dst, Post{Kind: KindOther, Reason: "commit of " + shortName(c.Collection)}), nil
	}
	if e.Did == "" || c.Rkey == "" {
		return dst, errors.New("commit without a did or rkey")
	}
	p := Post{ID: "at://" + e.Did + "/" + c.Collection + "/" + c.Rkey, Account: e.Did}
	switch c.Operation {
	case "delete":
		p.Kind = KindDelete
		return append(dst, p), nil
	case "create":
	default:
		return append(dst, Post{Kind: KindOther, Reason: c.Operation + " of a record"}), nil
	}
	if e.TimeUS == nil {
		return dst, fmt.Errorf("%s: no time_us", p.ID)
	}
	us := *e.TimeUS
	if us < 0 || us/1e6 > maxPlausible {
		return dst, fmt.Errorf("%s: time_us %d is out of range", p.ID, us)
	}
	p.Time = float64(us / 1e6)
	if c.Record == nil {
		return dst, fmt.Errorf("%s: create without a record", p.ID)
	}
	if c.Collection == bskyPost {
		p.Kind = KindPost
		p.Reply = c.Record.Reply != nil
		if em := c.Record.Embed; em != nil {
			p.Quote = em.Type == "app.bsky.embed.record" || em.Type == "app.bsky.embed.recordWithMedia"
		}
		return append(dst, p), nil
	}
	if c.Record.Subject == nil || c.Record.Subject.URI == "" {
		return dst, fmt.Errorf("%s: repost without a subject", p.ID)
	}
	uri := c.Record.Subject.URI
	did, coll, rkey, ok := splitATURI(uri)
	if !ok {
		return dst, fmt.Errorf("%s: subject %q is not an at:// record URI", p.ID, uri)
	}
	if coll != bskyPost {
		return append(dst, Post{Kind: KindOther, Reason: "repost of a " + shortName(coll)}), nil
	}
	p.Kind = KindRepost
	p.Orig = Original{ID: uri, Account: did}
	if t, ok := TIDTime(rkey); ok && t <= maxPlausible {
		p.Orig.Time, p.Orig.HasTime = t, true
	}
	return append(dst, p), nil
}

// splitATURI splits at://AUTHORITY/COLLECTION/RKEY.
func splitATURI(uri string) (did, coll, rkey string, ok bool) {
	rest, found := strings.CutPrefix(uri, "at://")
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// shortName bounds a name from the feed for use as a skip reason, so that
// hostile input cannot grow the table of reasons without bound.
func shortName(s string) string {
	if len(s) > 64 || strings.ContainsAny(s, "\r\n") {
		return "an unknown collection"
	}
	return s
}

// tidAlphabet is the base32-sortable alphabet of atproto TIDs.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// TIDTime returns the time, in whole Unix seconds, that an atproto
// timestamp identifier (TID, https://atproto.com/specs/tid) holds: 13
// characters of base32-sortable, a 64-bit integer whose top bit is 0, then
// 53 bits of microseconds since the Unix epoch, then a 10-bit clock id.
// ok is false for a string that is not a TID.
func TIDTime(s string) (float64, bool) {
	if len(s) != 13 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(tidAlphabet, s[i])
		if d < 0 {
			return 0, false
		}
		v = v<<5 | uint64(d)
	}
	// 13 characters hold 65 bits: the first character carries the top
	// bit, which must be 0 (first character in 2..j).
	if strings.IndexByte(tidAlphabet[:16], s[0]) < 0 {
		return 0, false
	}
	us := v >> 10
	return float64(time.UnixMicro(int64(us)).Unix()), true
}
