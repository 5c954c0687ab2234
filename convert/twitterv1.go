package convert

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// v1Status holds the fields of a Twitter API v1.1 status that conversion
// reads; the rest of the object is ignored.
type v1Status struct {
	CreatedAt   string          `json:"created_at"`
	ID          json.Number     `json:"id"`
	IDStr       string          `json:"id_str"`
	TimestampMS string          `json:"timestamp_ms"`
	InReplyTo   *string         `json:"in_reply_to_status_id_str"`
	IsQuote     bool            `json:"is_quote_status"`
	User        *v1User         `json:"user"`
	Retweeted   *v1Status       `json:"retweeted_status"`
	Delete      *v1Delete       `json:"delete"`
	Limit       json.RawMessage `json:"limit"`
}

type v1User struct {
	ID        json.Number `json:"id"`
	IDStr     string      `json:"id_str"`
	Followers *float64    `json:"followers_count"`
}

type v1Delete struct {
	Status *struct {
		ID    json.Number `json:"id"`
		IDStr string      `json:"id_str"`
	} `json:"status"`
}

// v1Notices are the keys of the v1.1 streaming API's notices other than
// statuses and deletes: they are skipped.
var v1Notices = []string{"limit", "scrub_geo", "status_withheld", "user_withheld", "disconnect", "warning", "event", "friends", "control"}

// v1Layout is the layout of v1.1's created_at ("Sat Nov 18 08:00:00 +0000 2017").
const v1Layout = "Mon Jan 02 15:04:05 -0700 2006"

// DecodeTwitterV1 decodes one line of the Twitter API v1.1 streaming (or
// REST) format: a status, a {"delete": ...} notice, or another notice
// (skipped). A status with retweeted_status is a repost of it; one with
// in_reply_to_status_id_str set is a reply, one with is_quote_status a
// quote. Times are created_at (whole seconds), or timestamp_ms where
// created_at is missing; magnitudes user.followers_count.
func DecodeTwitterV1(line []byte, dst []Post) ([]Post, error) {
	var s v1Status
	if err := json.Unmarshal(line, &s); err != nil {
		return dst, fmt.Errorf("not a JSON object: %w", err)
	}
	if s.Delete != nil {
		if s.Delete.Status == nil {
			return append(dst, Post{Kind: KindOther, Reason: "delete notice of no status"}), nil
		}
		id := pickID(s.Delete.Status.IDStr, s.Delete.Status.ID)
		if id == "" {
			return dst, errors.New("delete notice without a status id")
		}
		return append(dst, Post{Kind: KindDelete, ID: id}), nil
	}
	id := pickID(s.IDStr, s.ID)
	if id == "" {
		var obj map[string]json.RawMessage
		if json.Unmarshal(line, &obj) == nil {
			for _, k := range v1Notices {
				if _, ok := obj[k]; ok {
					return append(dst, Post{Kind: KindOther, Reason: k + " notice"}), nil
				}
			}
		}
		return dst, errors.New("neither a status (no id) nor a notice")
	}
	p, err := s.post(id)
	if err != nil {
		return dst, err
	}
	if s.Retweeted == nil {
		p.Kind = KindPost
		p.Reply = s.InReplyTo != nil && *s.InReplyTo != ""
		p.Quote = s.IsQuote
		return append(dst, p), nil
	}
	r := s.Retweeted
	oid := pickID(r.IDStr, r.ID)
	if oid == "" {
		return dst, fmt.Errorf("status %s: retweeted_status without an id", id)
	}
	o, err := r.post(oid)
	if err != nil {
		return dst, fmt.Errorf("status %s: retweeted_status: %w", id, err)
	}
	p.Kind = KindRepost
	p.Orig = Original{ID: oid, Time: o.Time, HasTime: true, Account: o.Account, Followers: o.Followers, HasFollowers: o.HasFollowers}
	return append(dst, p), nil
}

// post returns the id, time, account and followers of s.
func (s *v1Status) post(id string) (Post, error) {
	p := Post{ID: id}
	switch {
	case s.CreatedAt != "":
		t, err := time.Parse(v1Layout, s.CreatedAt)
		if err != nil {
			return p, fmt.Errorf("status %s: created_at %q is not a time", id, s.CreatedAt)
		}
		p.Time = wholeSeconds(t)
	case s.TimestampMS != "":
		t, err := msTime(s.TimestampMS)
		if err != nil {
			return p, fmt.Errorf("status %s: %w", id, err)
		}
		p.Time = t
	default:
		return p, fmt.Errorf("status %s has no created_at", id)
	}
	if p.Time < 0 || p.Time > maxPlausible {
		return p, fmt.Errorf("status %s: created_at %q is out of range", id, s.CreatedAt)
	}
	if s.User != nil {
		p.Account = pickID(s.User.IDStr, s.User.ID)
		if s.User.Followers != nil {
			f, err := followerCount(*s.User.Followers)
			if err != nil {
				return p, fmt.Errorf("status %s: user %w", id, err)
			}
			p.Followers, p.HasFollowers = f, true
		}
	}
	return p, nil
}

// pickID returns the string id, else the numeric one as written.
func pickID(s string, n json.Number) string {
	if s != "" {
		return s
	}
	return n.String()
}
