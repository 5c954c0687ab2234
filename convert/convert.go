package convert

import (
	"cmp"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hawkes-toolkit/hawkes/data"
)

// DefaultMagnitude is the magnitude of an event whose poster's follower
// count is unknown (Bluesky always, unless Options.Followers has the
// account): 1, so that m^beta = 1 and such events all weigh the same.
const DefaultMagnitude = 1.0

// MaxIDBytes bounds a post id; a longer one makes its line malformed. It
// is the bound of cascade ids on the stream (stream.MaxIDBytes).
const MaxIDBytes = 256

// ErrMalformed is wrapped by the error of every malformed line.
var ErrMalformed = errors.New("malformed line")

// LineError is a malformed line: where it is and what is wrong.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s line %d: %v", e.File, e.Line, e.Err)
}

// Unwrap returns ErrMalformed and the cause.
func (e *LineError) Unwrap() []error { return []error{ErrMalformed, e.Err} }

// Options configure a conversion.
type Options struct {
	// MinSize keeps only cascades of at least MinSize events (the
	// original included) in Convert's output; 0 or 1 keeps all.
	MinSize int
	// Followers gives follower counts by account id (user id, or DID), for
	// events whose feed carries none.
	Followers map[string]float64
	// DefaultMagnitude is the magnitude of an event whose follower count
	// neither the feed nor Followers gives (default DefaultMagnitude).
	DefaultMagnitude float64
	// Strict makes the first malformed line an error that stops the
	// conversion; otherwise it is counted, reported, and skipped.
	Strict bool
	// Report, when set, is called with each malformed line.
	Report func(*LineError)
	// Forget bounds the memory of a live conversion (a builder that keeps
	// no events): a cascade with no event for Forget seconds of event
	// time (the newest post time seen), and the ids of posts older than
	// that, are forgotten, so that a later repost opens the cascade again
	// (an original Event with a new Gen) and a duplicate delivered that
	// late counts again. 0 remembers everything; Convert ignores it.
	Forget float64
}

// Validate checks the options.
func (o Options) Validate() error {
	if o.MinSize < 0 {
		return fmt.Errorf("min size %d is negative", o.MinSize)
	}
	if !(o.Forget >= 0) || math.IsInf(o.Forget, 1) {
		return fmt.Errorf("forget %v: want a number of seconds >= 0", o.Forget)
	}
	if o.DefaultMagnitude < 0 || math.IsNaN(o.DefaultMagnitude) || math.IsInf(o.DefaultMagnitude, 0) {
		return fmt.Errorf("default magnitude %v: want a finite number >= 0", o.DefaultMagnitude)
	}
	return nil
}

// Summary counts what a conversion read and did.
type Summary struct {
	Lines     int `json:"lines"`     // lines read, blank ones included
	Malformed int `json:"malformed"` // lines refused (not decodable, over MaxLineBytes), skipped
	Posts     int `json:"posts"`     // posts of their own (originals, replies, quotes), each once
	Replies   int `json:"replies"`   // of Posts, replies
	Quotes    int `json:"quotes"`    // of Posts, quotes
	Reposts   int `json:"reposts"`   // reposts, each once
	// Duplicates are posts and reposts delivered again (same id), counted once.
	Duplicates int `json:"duplicates"`
	// Deletes are delete notices: counted, not applied (see the package doc).
	Deletes int `json:"deletes"`
	// Skipped counts the other items by what they are ("limit notice").
	Skipped map[string]int `json:"skipped"`
	// OriginTimeFallback counts cascades whose original's time was unknown
	// when it was opened: they start at their first repost.
	OriginTimeFallback int `json:"origin_time_fallback"`
	// Clamped counts reposts dated before their original, set to time 0.
	Clamped int `json:"clamped"`
	// DefaultMagnitudes counts events given Options.DefaultMagnitude.
	DefaultMagnitudes int `json:"default_magnitudes"`
	// Forgotten counts the cascades a live conversion forgot
	// (Options.Forget).
	Forgotten int `json:"forgotten,omitempty"`
	// Cascades is the number of cascades opened; Written those of at
	// least MinSize events that Convert returned.
	Cascades int `json:"cascades"`
	Written  int `json:"written"`
	// Sizes counts the written cascades by size.
	Sizes map[int]int `json:"sizes"`
}

func (s *Summary) skip(reason string) {
	if s.Skipped == nil {
		s.Skipped = map[string]int{}
	}
	s.Skipped[reason]++
}

// String is the summary as hawkes convert prints it.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lines %d, malformed %d; posts %d (replies %d, quotes %d), reposts %d, duplicates %d, delete notices %d",
		s.Lines, s.Malformed, s.Posts, s.Replies, s.Quotes, s.Reposts, s.Duplicates, s.Deletes)
	keys := make([]string, 0, len(s.Skipped))
	for k := range s.Skipped {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	skipped := 0
	var parts []string
	for _, k := range keys {
		skipped += s.Skipped[k]
		parts = append(parts, fmt.Sprintf("%s %d", k, s.Skipped[k]))
	}
	fmt.Fprintf(&b, "; skipped %d", skipped)
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, "; cascades %d", s.Cascades)
	if s.Sizes != nil { // Cascades was called: a conversion, not a live feed
		fmt.Fprintf(&b, ", written %d", s.Written)
	}
	if s.Forgotten > 0 {
		fmt.Fprintf(&b, " (%d forgotten after --forget)", s.Forgotten)
	}
	if s.OriginTimeFallback > 0 || s.Clamped > 0 || s.DefaultMagnitudes > 0 {
		fmt.Fprintf(&b, "; original time unknown %d, reposts clamped to time 0 %d, default magnitudes %d",
			s.OriginTimeFallback, s.Clamped, s.DefaultMagnitudes)
	}
	return b.String()
}

// Event is one event of a cascade as the conversion finds it.
type Event struct {
	Cascade string  // the original's id
	Start   float64 // the original's time, Unix seconds: the cascade's time 0
	At      float64 // the event's time, Unix seconds (>= Start)
	M       float64 // magnitude
	// Original is the cascade's first event (time 0). Embedded says its
	// time and magnitude come from a repost (the embedded original, or
	// the fallback), not from the original's own post in the feed.
	Original, Embedded bool
	// Gen numbers the openings of cascades by a builder, from 0: a
	// cascade forgotten (Options.Forget) and opened again has a new one.
	Gen int
	// Forget marks no event but the notice that the builder forgot
	// generation Gen of the cascade: none of its events follows.
	Forget bool
}

// T is the event's time since the original.
func (e *Event) T() float64 { return e.At - e.Start }

// Builder turns decoded posts into cascade events by the rules of the
// package doc, counting in Summary. It is not safe for concurrent use.
type Builder struct {
	Summary Summary
	o       Options
	seen    map[string]float64 // post id -> its time
	casc    map[string]*cascade
	opened  int     // cascades opened, the next Gen
	newest  float64 // newest post time seen
	adds    int     // posts since the last sweep
	keep    bool
	order   []*cascade
}

type cascade struct {
	id          string
	gen         int
	last        float64 // time of its newest event
	start       float64
	times, mags []float64
}

// NewBuilder returns a builder. With keep, it holds every cascade's events
// for Cascades; a live stream needs only the events Add returns.
func NewBuilder(o Options, keep bool) *Builder {
	if o.DefaultMagnitude == 0 {
		o.DefaultMagnitude = DefaultMagnitude
	}
	return &Builder{o: o, seen: map[string]float64{}, casc: map[string]*cascade{}, keep: keep, newest: math.Inf(-1)}
}

// magnitude returns the magnitude of a poster.
func (b *Builder) magnitude(followers float64, has bool, account string) float64 {
	if has {
		return followers
	}
	if f, ok := b.o.Followers[account]; ok && account != "" {
		return f
	}
	b.Summary.DefaultMagnitudes++
	return b.o.DefaultMagnitude
}

// Add applies p and appends the events it makes to dst: a new cascade's
// original, and a repost.
func (b *Builder) Add(p *Post, dst []Event) []Event {
	s := &b.Summary
	switch p.Kind {
	case KindOther:
		s.skip(p.Reason)
		return dst
	case KindDelete:
		s.Deletes++
		return dst
	}
	if _, dup := b.seen[p.ID]; dup {
		s.Duplicates++
		return dst
	}
	b.seen[p.ID] = p.Time
	b.newest = max(b.newest, p.Time)
	if p.Kind == KindPost {
		s.Posts++
		if p.Reply {
			s.Replies++
		}
		if p.Quote {
			s.Quotes++
		}
		if _, ok := b.casc[p.ID]; ok {
			return dst // opened by a repost delivered earlier
		}
		m := b.magnitude(p.Followers, p.HasFollowers, p.Account)
		c := b.open(p.ID, p.Time, m)
		return append(dst, Event{Cascade: p.ID, Start: p.Time, At: p.Time, M: m, Original: true, Gen: c.gen})
	}
	s.Reposts++
	o := &p.Orig
	c, ok := b.casc[o.ID]
	if !ok {
		start := o.Time
		if !o.HasTime {
			start = p.Time
			s.OriginTimeFallback++
		}
		m := b.magnitude(o.Followers, o.HasFollowers, o.Account)
		c = b.open(o.ID, start, m)
		dst = append(dst, Event{Cascade: o.ID, Start: start, At: start, M: m, Original: true, Embedded: true, Gen: c.gen})
	}
	at := p.Time
	if at < c.start {
		at = c.start
		s.Clamped++
	}
	m := b.magnitude(p.Followers, p.HasFollowers, p.Account)
	if b.keep {
		c.times = append(c.times, at-c.start)
		c.mags = append(c.mags, m)
	}
	c.last = max(c.last, at)
	return append(dst, Event{Cascade: o.ID, Start: c.start, At: at, M: m, Gen: c.gen})
}

func (b *Builder) open(id string, start, m float64) *cascade {
	c := &cascade{id: id, start: start, last: start, gen: b.opened}
	b.opened++
	if b.keep {
		c.times, c.mags = []float64{0}, []float64{m}
		b.order = append(b.order, c)
	}
	b.casc[id] = c
	b.Summary.Cascades++
	return c
}

// sweepEvery is how many posts a live builder takes between two sweeps of
// what it may forget.
const sweepEvery = 1 << 14

// sweep forgets, when Options.Forget is set and the builder keeps no
// events, the cascades with no event for Forget seconds before the newest
// post time and the ids of the posts older than that, and appends a
// Forget event per cascade forgotten. It runs every sweepEvery posts.
func (b *Builder) sweep(dst []Event) []Event {
	if b.o.Forget <= 0 || b.keep {
		return dst
	}
	if b.adds++; b.adds < sweepEvery {
		return dst
	}
	b.adds = 0
	horizon := b.newest - b.o.Forget
	for id, t := range b.seen {
		if t < horizon {
			delete(b.seen, id)
		}
	}
	for id, c := range b.casc {
		if c.last < horizon {
			delete(b.casc, id)
			b.Summary.Forgotten++
			dst = append(dst, Event{Cascade: id, Gen: c.gen, Forget: true})
		}
	}
	return dst
}

// Cascades returns the cascades of at least minSize events, in the order
// of their start times (then ids), each with its events in time order
// (ties in the order they were read) and its start as data.Cascade.Start.
// It sets Summary.Written and Sizes. The builder must have been made with
// keep.
func (b *Builder) Cascades(minSize int) []data.Cascade {
	if !b.keep {
		panic("convert: Cascades of a builder that keeps no events")
	}
	var out []data.Cascade
	b.Summary.Sizes = map[int]int{}
	for _, c := range b.order {
		if len(c.times) < minSize {
			continue
		}
		idx := make([]int, len(c.times)-1)
		for i := range idx {
			idx[i] = i + 1
		}
		slices.SortStableFunc(idx, func(i, j int) int { return cmp.Compare(c.times[i], c.times[j]) })
		dc := data.Cascade{ID: c.id, Start: c.start, HasStart: true,
			Times: make([]float64, 1, len(c.times)), Mags: make([]float64, 1, len(c.times))}
		dc.Mags[0] = c.mags[0]
		for _, i := range idx {
			dc.Times = append(dc.Times, c.times[i])
			dc.Mags = append(dc.Mags, c.mags[i])
		}
		out = append(out, dc)
		b.Summary.Sizes[len(c.times)]++
	}
	slices.SortStableFunc(out, func(x, y data.Cascade) int {
		if c := cmp.Compare(x.Start, y.Start); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	b.Summary.Written = len(out)
	return out
}

// Input is a named input.
type Input struct {
	Name string
	R    io.Reader
}

// Reader decodes the lines of inputs in format f and feeds them to a
// builder: the part of a conversion shared by Convert and the live stream.
type Reader struct {
	B      *Builder
	o      Options
	decode Decoder
	posts  []Post
	events []Event
}

// NewReader returns a reader of format f feeding b.
func NewReader(f Format, b *Builder, o Options) *Reader {
	return &Reader{B: b, o: o, decode: DecoderOf(f)}
}

// Run reads in line by line until its end or ctx is done, and calls emit
// with the events of each line. A malformed line is counted and reported
// (Options.Report), or, with Options.Strict, returned as a *LineError.
// An error of emit stops the run and is returned.
func (r *Reader) Run(ctx context.Context, in Input, emit func(Event) error) error {
	s := &r.B.Summary
	zr, err := Decompress(in.R)
	if err != nil && !corrupt(err) {
		return fmt.Errorf("read %s: %w", in.Name, err)
	}
	if err != nil {
		s.Malformed++
		le := &LineError{File: in.Name, Line: 1, Err: fmt.Errorf("corrupt input, skipped: %w", err)}
		if r.o.Strict {
			return le
		}
		if r.o.Report != nil {
			r.o.Report(le)
		}
		return nil
	}
	lr := newLineReader(zr, MaxLineBytes)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil && err != ErrLineTooLong {
			if !corrupt(err) {
				return fmt.Errorf("read %s line %d: %w", in.Name, lr.line+1, err)
			}
			// A damaged gzip stream: what follows cannot be read. The
			// input ends here, as a malformed line.
			s.Malformed++
			le := &LineError{File: in.Name, Line: lr.line + 1, Err: fmt.Errorf("corrupt input, the rest of it skipped: %w", err)}
			if r.o.Strict {
				return le
			}
			if r.o.Report != nil {
				r.o.Report(le)
			}
			return nil
		}
		s.Lines++
		if err == nil && len(trimSpace(line)) == 0 {
			continue
		}
		if err == nil {
			r.posts, err = r.decode(line, r.posts[:0])
		}
		if err == nil {
			err = checkIDs(r.posts)
		}
		if err != nil {
			s.Malformed++
			le := &LineError{File: in.Name, Line: lr.line, Err: err}
			if r.o.Strict {
				return le
			}
			if r.o.Report != nil {
				r.o.Report(le)
			}
			continue
		}
		for i := range r.posts {
			r.events = r.B.Add(&r.posts[i], r.events[:0])
			r.events = r.B.sweep(r.events)
			for _, e := range r.events {
				if err := emit(e); err != nil {
					return err
				}
			}
		}
	}
}

// corrupt reports whether a read error is damaged compressed input rather
// than a failure to read.
func corrupt(err error) bool {
	var ce flate.CorruptInputError
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &ce)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// checkIDs refuses ids that cannot name a cascade: empty, longer than
// MaxIDBytes, holding a line break, or not UTF-8.
func checkIDs(posts []Post) error {
	for i := range posts {
		p := &posts[i]
		if p.Kind == KindOther {
			continue
		}
		if err := checkID(p.ID); err != nil {
			return err
		}
		if p.Kind == KindRepost {
			if err := checkID(p.Orig.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkID(id string) error {
	switch {
	case id == "":
		return errors.New("empty id")
	case len(id) > MaxIDBytes:
		return fmt.Errorf("id of %d bytes (at most %d)", len(id), MaxIDBytes)
	case strings.ContainsAny(id, "\r\n"):
		return fmt.Errorf("id %q holds a line break", id)
	case !utf8.ValidString(id):
		return fmt.Errorf("id %q is not valid UTF-8", id)
	}
	return nil
}

// Convert reads inputs in format f and returns the cascades of at least
// o.MinSize events and the summary. A malformed line is reported and
// skipped, or, with o.Strict, returned as a *LineError (wrapping
// ErrMalformed) with the summary so far.
func Convert(ctx context.Context, f Format, inputs []Input, o Options) ([]data.Cascade, Summary, error) {
	if err := o.Validate(); err != nil {
		return nil, Summary{}, err
	}
	b := NewBuilder(o, true)
	r := NewReader(f, b, o)
	for _, in := range inputs {
		if err := r.Run(ctx, in, func(Event) error { return nil }); err != nil {
			return nil, b.Summary, err
		}
	}
	cs := b.Cascades(max(o.MinSize, 1))
	return cs, b.Summary, nil
}
