package convert

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Format names an input format.
type Format string

// The input formats.
const (
	TwitterV1 Format = "twitter-v1" // Twitter API v1.1 statuses, one per line, with delete and other notices
	TwitterV2 Format = "twitter-v2" // Twitter API v2 responses (or flattened tweets) as twarc2 writes them
	Bluesky   Format = "bluesky"    // Bluesky Jetstream events
)

// Formats lists the formats, in the order help texts give them.
var Formats = []Format{TwitterV1, TwitterV2, Bluesky}

// ErrFormat is returned by ParseFormat for an unknown format.
var ErrFormat = errors.New("unknown format")

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w %q (want twitter-v1, twitter-v2 or bluesky)", ErrFormat, s)
}

// Kind says what a decoded item is.
type Kind int

// Kinds of item.
const (
	// KindPost is a post of its own: an original, a reply or a quote.
	KindPost Kind = iota + 1
	// KindRepost is a repost (a retweet) of Post.Orig.
	KindRepost
	// KindDelete is a notice that the post Post.ID was deleted.
	KindDelete
	// KindOther is anything else the feed carries (rate-limit notices,
	// likes, follows, identity events): skipped, counted under Post.Reason.
	KindOther
)

// Post is one item of a feed, decoded.
type Post struct {
	Kind Kind
	// ID is the post's own id: the tweet id, or the at:// URI of the
	// Bluesky record.
	ID string
	// Time is when it was posted, in whole Unix seconds.
	Time float64
	// Account is the poster's account id (user id, or DID).
	Account string
	// Followers is the poster's follower count, when the feed gives it.
	Followers    float64
	HasFollowers bool
	// Reply and Quote tell what kind of post of its own it is.
	Reply, Quote bool
	// Orig is the reposted post, for KindRepost.
	Orig Original
	// Reason says what a KindOther item is ("limit notice", "like").
	Reason string
}

// Original is what a repost tells of the post it reposts.
type Original struct {
	ID string
	// Time is its posting time in whole Unix seconds, when known (HasTime).
	Time    float64
	HasTime bool
	Account string
	// Followers is its poster's follower count, when known.
	Followers    float64
	HasFollowers bool
}

// A Decoder decodes one line of its format, appending the items it holds
// to dst (a Twitter v2 response holds many; other lines one). An error
// means the line is malformed.
type Decoder func(line []byte, dst []Post) ([]Post, error)

// DecoderOf returns the decoder of f.
func DecoderOf(f Format) Decoder {
	switch f {
	case TwitterV1:
		return DecodeTwitterV1
	case TwitterV2:
		return DecodeTwitterV2
	case Bluesky:
		return DecodeBluesky
	}
	panic(fmt.Sprintf("convert: unknown format %q", f))
}

// wholeSeconds returns t in whole Unix seconds.
func wholeSeconds(t time.Time) float64 { return float64(t.Unix()) }

// followerCount checks a follower count from a feed.
func followerCount(v float64) (float64, error) {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("follower count %v is not a count", v)
	}
	return v, nil
}

// msTime parses a Unix time in milliseconds given as a string.
func msTime(s string) (float64, error) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms < 0 {
		return 0, fmt.Errorf("timestamp_ms %q is not a time", s)
	}
	return float64(ms / 1000), nil
}

// maxPlausible bounds the times the decoders accept (year 9999): a time
// past it is a malformed field, not a post.
const maxPlausible = 253402300799
