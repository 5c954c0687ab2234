package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/predict"
)

// SchemaVersion is the value of the "v" field of every message this package
// writes. A decoder refuses any other version.
const SchemaVersion = 1

// Kinds of message on the retweets topic.
const (
	KindEvent     = "event"     // one retweet (or the original tweet, seq 0)
	KindWatermark = "watermark" // every event with an earlier time has been sent
	KindEnd       = "end"       // the replay is over; a later message begins another (see the package doc)
)

// ErrInvalid is wrapped by every decoding error: the bytes are not JSON, a
// field has the wrong type, or a value breaks the schema.
var ErrInvalid = errors.New("invalid message")

// Retweet is a message of the retweets topic, keyed by cascade id for events
// (so that a cascade stays in one partition, in order) and sent to one
// explicit partition for watermarks and end markers.
type Retweet struct {
	V    int    `json:"v"`
	Kind string `json:"kind"`
	// Event fields.
	ID    string  `json:"id,omitempty"`
	Seq   int     `json:"seq"`   // 0 for the original tweet, then 1, 2, ... in time order
	Start float64 `json:"start"` // absolute start of the cascade, seconds
	T     float64 `json:"t"`     // time since the start, seconds
	M     float64 `json:"m"`     // magnitude: follower count of the poster
	// Watermark and end fields: Time is the stream's event time; every
	// event with an earlier absolute time (Start+T) has been sent.
	Time float64 `json:"time"`
	// End fields: what the whole replay sent.
	Events   int `json:"events,omitempty"`
	Cascades int `json:"cascades,omitempty"`
}

// At returns the absolute event time of an event.
func (r *Retweet) At() float64 { return r.Start + r.T }

// AppendEvent appends the JSON encoding of an event message to dst; it is the
// reader's hot path and writes the same bytes encoding/json would accept.
func AppendEvent(dst []byte, id string, seq int, start, t, m float64) []byte {
	dst = append(dst, `{"v":1,"kind":"event","id":`...)
	dst = appendJSONString(dst, id)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, int64(seq), 10)
	dst = append(dst, `,"start":`...)
	dst = strconv.AppendFloat(dst, start, 'g', -1, 64)
	dst = append(dst, `,"t":`...)
	dst = strconv.AppendFloat(dst, t, 'g', -1, 64)
	dst = append(dst, `,"m":`...)
	dst = strconv.AppendFloat(dst, m, 'g', -1, 64)
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string. Printable ASCII without a
// quote or backslash, what ids are made of, is copied; anything else goes
// through encoding/json, whose escapes are JSON's (strconv.Quote's \x1b or
// \a are not).
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// parseEvent parses an event in exactly the form AppendEvent writes, with
// no escape in the id; ok is false for anything else, which the caller
// hands to encoding/json. It is the fitter's hot path: encoding/json took a
// quarter of the pipeline's CPU time on seismic_subset.
func parseEvent(b []byte) (r Retweet, ok bool) {
	const head = `{"v":1,"kind":"event","id":"`
	if len(b) < len(head) || string(b[:len(head)]) != head {
		return r, false
	}
	b = b[len(head):]
	end := -1
	for i, c := range b {
		if c == '"' {
			end = i
			break
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			return r, false
		}
	}
	if end < 0 {
		return r, false
	}
	id := b[:end]
	b = b[end+1:]
	var seq, start, t, m float64
	if len(b) > 7 {
		if _, whole := jsonNumber(b[7:]); !whole { // seq is an integer
			return r, false
		}
	}
	if b, ok = field(b, `,"seq":`, &seq); !ok || seq > 1<<53 {
		return r, false
	}
	if b, ok = field(b, `,"start":`, &start); !ok {
		return r, false
	}
	if b, ok = field(b, `,"t":`, &t); !ok {
		return r, false
	}
	if b, ok = field(b, `,"m":`, &m); !ok {
		return r, false
	}
	if string(b) != "}" {
		return r, false
	}
	return Retweet{V: 1, Kind: KindEvent, ID: string(id), Seq: int(seq), Start: start, T: t, M: m}, true
}

// field parses name (with its leading comma and trailing colon) and the
// JSON number after it into v, and returns what follows.
func field(b []byte, name string, v *float64) ([]byte, bool) {
	if len(b) < len(name) || string(b[:len(name)]) != name {
		return b, false
	}
	b = b[len(name):]
	n, whole := jsonNumber(b)
	if n == 0 {
		return b, false
	}
	if whole && n <= 15 { // exact in float64, without strconv
		x := 0.0
		for _, c := range b[:n] {
			x = x*10 + float64(c-'0')
		}
		*v = x
		return b[n:], true
	}
	f, err := strconv.ParseFloat(string(b[:n]), 64)
	if err != nil {
		return b, false
	}
	*v = f
	return b[n:], true
}

// jsonNumber returns the length of the JSON number at the start of b (0 if
// there is none) and whether it is made of digits only.
func jsonNumber(b []byte) (n int, whole bool) {
	digits := func(i int) int {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i)
	default:
		return 0, false
	}
	whole = b[0] != '-'
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i, whole = j, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, false
		}
		i, whole = j, false
	}
	return i, whole
}

// AppendWatermark appends the JSON encoding of a watermark at time t.
func AppendWatermark(dst []byte, t float64) []byte {
	dst = append(dst, `{"v":1,"kind":"watermark","time":`...)
	dst = strconv.AppendFloat(dst, t, 'g', -1, 64)
	return append(dst, '}')
}

// parseWatermark parses a watermark in exactly the form AppendWatermark
// writes.
func parseWatermark(b []byte) (Retweet, bool) {
	var t float64
	b, ok := field(b, `{"v":1,"kind":"watermark","time":`, &t)
	if !ok || string(b) != "}" {
		return Retweet{}, false
	}
	return Retweet{V: 1, Kind: KindWatermark, Time: t}, true
}

// DecodeRetweet decodes and checks a retweets message.
func DecodeRetweet(b []byte) (Retweet, error) {
	r, ok := parseEvent(b)
	if !ok {
		r, ok = parseWatermark(b)
	}
	if !ok {
		r = Retweet{}
		if err := decode(b, &r); err != nil {
			return r, err
		}
	}
	if err := checkVersion(r.V); err != nil {
		return r, err
	}
	switch r.Kind {
	case KindEvent:
		if err := checkID(r.ID); err != nil {
			return r, err
		}
		if r.Seq < 0 {
			return r, invalid("seq %d is negative", r.Seq)
		}
		if err := finite("start", r.Start); err != nil {
			return r, err
		}
		if err := nonNegative("t", r.T); err != nil {
			return r, err
		}
		if err := nonNegative("m", r.M); err != nil {
			return r, err
		}
		if err := finite("time", r.At()); err != nil {
			return r, err
		}
	case KindWatermark, KindEnd:
		if err := finite("time", r.Time); err != nil {
			return r, err
		}
		if r.Events < 0 || r.Cascades < 0 {
			return r, invalid("negative count")
		}
	default:
		return r, invalid("unknown kind %q", r.Kind)
	}
	return r, nil
}

// Prediction is a message of the predictions topic, keyed by cascade id: the
// predicted final size of one cascade observed on one window. A replay after
// a fitter restart may publish the same (id, window) again; consumers count
// the first one (see the package doc).
type Prediction struct {
	V      int     `json:"v"`
	ID     string  `json:"id"`
	Window float64 `json:"window"` // observation window, seconds
	Time   float64 `json:"time"`   // event time at which the prediction was made
	N      int     `json:"n"`      // events observed in the window
	NHat   float64 `json:"nhat"`   // predicted final size
	// Lo and Hi bound the prediction interval of the model, where it
	// gives one.
	Lo *float64 `json:"lo,omitempty"`
	Hi *float64 `json:"hi,omitempty"`
	// Source says where NHat comes from (predict.Source): SourceForest,
	// SourceLogLinear (the model's log-linear fallback), SourceHawkes or
	// SourceObserved (no fit gave a prediction: NHat = n).
	Source       string   `json:"source"`
	Status       string   `json:"status"`                // status of the Hawkes fit
	NHatHawkes   *float64 `json:"nhat_hawkes,omitempty"` // the model-only prediction (w = 1), where defined
	NStar        *float64 `json:"nstar,omitempty"`
	ModelVersion int      `json:"model_version"` // version of the model used (forest or its log-linear fallback); 0 = none
	// Evicted is true when the cascade was closed early because the
	// fitter reached --max-open (see the package doc).
	Evicted bool   `json:"evicted,omitempty"`
	Fitter  string `json:"fitter,omitempty"` // which fitter process made it
	// Start is the cascade's absolute start, and Curve its growth within
	// the window: at most CurvePoints [t, events] pairs (t since Start,
	// events so far, both increasing, the last one the window's n). Both
	// are optional (FitterOptions.NoCurve leaves Curve out); a live view
	// such as the dashboard draws the growth curve from them.
	Start float64      `json:"start,omitempty"`
	Curve [][2]float64 `json:"curve,omitempty"`
}

// CurvePoints bounds the points of a Prediction's Curve.
const CurvePoints = 32

// GrowthCurve returns at most CurvePoints [t, events] pairs of the growth of
// a cascade whose event times (since its start, sorted) are times: the
// times of evenly spaced events, the first and the last always included.
func GrowthCurve(times []float64) [][2]float64 {
	n := len(times)
	if n == 0 {
		return nil
	}
	k := min(n, CurvePoints)
	out := make([][2]float64, 0, k)
	for j := range k {
		i := 0
		if k > 1 {
			i = j * (n - 1) / (k - 1)
		}
		out = append(out, [2]float64{times[i], float64(i + 1)})
	}
	return out
}

// Sources of a prediction, those of package predict.
const (
	SourceForest    = string(predict.SourceForest)
	SourceLogLinear = string(predict.SourceLogLinear)
	SourceHawkes    = string(predict.SourceHawkes)
	SourceObserved  = string(predict.SourceObserved)
)

// DecodePrediction decodes and checks a predictions message.
func DecodePrediction(b []byte) (Prediction, error) {
	var p Prediction
	if err := decodeKeyed(b, &p, &p.V, &p.ID, &p.Window); err != nil {
		return p, err
	}
	if err := nonNegative("nhat", p.NHat); err != nil {
		return p, err
	}
	if err := finite("time", p.Time); err != nil {
		return p, err
	}
	if p.N < 0 || p.ModelVersion < 0 {
		return p, invalid("negative n or model_version")
	}
	switch p.Source {
	case SourceForest, SourceLogLinear, SourceHawkes, SourceObserved:
	default:
		return p, invalid("unknown source %q", p.Source)
	}
	if err := finite("start", p.Start); err != nil {
		return p, err
	}
	return p, checkCurve(p.Curve)
}

// checkCurve checks a growth curve: at most CurvePoints finite,
// non-negative points, both coordinates non-decreasing.
func checkCurve(c [][2]float64) error {
	if len(c) > CurvePoints {
		return invalid("curve of %d points, over %d", len(c), CurvePoints)
	}
	for i, pt := range c {
		for _, v := range pt {
			if err := nonNegative("curve point", v); err != nil {
				return err
			}
		}
		if i > 0 && (pt[0] < c[i-1][0] || pt[1] < c[i-1][1]) {
			return invalid("curve point %d goes back", i)
		}
	}
	return nil
}

// Sample is a message of the samples topic, keyed by cascade id: the features
// of one finished cascade on one window and its true final size, from which
// the trainer learns. The feature fields are those of features.Row (null
// where they do not apply).
type Sample struct {
	V      int     `json:"v"`
	ID     string  `json:"id"`
	Window float64 `json:"window"`
	Status string  `json:"status"`
	N      int     `json:"n"`    // events observed in the window
	Size   int     `json:"size"` // final size of the cascade
	// W is the true w = (size-n)(1-n*)/A1 of SPEC section 4, where defined.
	W              *float64 `json:"w"`
	C              *float64 `json:"c"`
	Theta          *float64 `json:"theta"`
	A1             *float64 `json:"a1"`
	NStar          *float64 `json:"nstar"`
	Beta           *float64 `json:"beta"`
	Rate           *float64 `json:"rate"`
	LogLikPerEvent *float64 `json:"loglik_per_event"`
	LogN           *float64 `json:"log_n"`
	Growth         *float64 `json:"growth"`
	NHat           *float64 `json:"nhat"`
	// The follower statistics; absent from the samples of older fitters.
	LogPosterFollowers *float64 `json:"log_poster_followers,omitempty"`
	LogFollowersSum    *float64 `json:"log_followers_sum,omitempty"`
	LogFollowersMax    *float64 `json:"log_followers_max,omitempty"`
	FollowersTopShare  *float64 `json:"followers_top_share,omitempty"`
}

// NewSample returns the sample of row, a row built on the finished cascade.
func NewSample(r *features.Row) Sample {
	return Sample{
		V: SchemaVersion, ID: r.ID, Window: float64(r.Window), Status: string(r.Status),
		N: r.N, Size: r.Size, W: optPtr(r.W),
		C: optPtr(r.C), Theta: optPtr(r.Theta), A1: optPtr(r.A1), NStar: optPtr(r.NStar),
		Beta: optPtr(r.Beta), Rate: optPtr(r.Rate), LogLikPerEvent: optPtr(r.LogLikPerEvent),
		LogN: optPtr(r.LogN), Growth: optPtr(r.Growth), NHat: optPtr(r.NHat),
		LogPosterFollowers: optPtr(r.LogPosterFollowers), LogFollowersSum: optPtr(r.LogFollowersSum),
		LogFollowersMax: optPtr(r.LogFollowersMax), FollowersTopShare: optPtr(r.FollowersTopShare),
	}
}

// Row returns the sample as a features.Row.
func (s *Sample) Row() features.Row {
	return features.Row{
		ID: s.ID, Window: features.Num(s.Window), Status: fit.Status(s.Status), N: s.N, Size: s.Size,
		C: ptrOpt(s.C), Theta: ptrOpt(s.Theta), A1: ptrOpt(s.A1), NStar: ptrOpt(s.NStar),
		Beta: ptrOpt(s.Beta), Rate: ptrOpt(s.Rate), LogLikPerEvent: ptrOpt(s.LogLikPerEvent),
		LogN: ptrOpt(s.LogN), Growth: ptrOpt(s.Growth), NHat: ptrOpt(s.NHat), W: ptrOpt(s.W),
		LogPosterFollowers: ptrOpt(s.LogPosterFollowers), LogFollowersSum: ptrOpt(s.LogFollowersSum),
		LogFollowersMax: ptrOpt(s.LogFollowersMax), FollowersTopShare: ptrOpt(s.FollowersTopShare),
	}
}

// DecodeSample decodes and checks a samples message.
func DecodeSample(b []byte) (Sample, error) {
	var s Sample
	if err := decodeKeyed(b, &s, &s.V, &s.ID, &s.Window); err != nil {
		return s, err
	}
	if err := checkStatus(s.Status); err != nil {
		return s, err
	}
	if s.N < 0 || s.Size < s.N || s.Size < 1 {
		return s, invalid("n %d and size %d: want 0 <= n <= size, size >= 1", s.N, s.Size)
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"w", s.W}, {"c", s.C}, {"theta", s.Theta}, {"a1", s.A1}, {"nstar", s.NStar}, {"beta", s.Beta},
		{"rate", s.Rate}, {"loglik_per_event", s.LogLikPerEvent}, {"log_n", s.LogN}, {"growth", s.Growth}, {"nhat", s.NHat}} {
		if f.v != nil {
			if err := finite(f.name, *f.v); err != nil {
				return s, err
			}
		}
	}
	return s, nil
}

// ModelMessage is a message of the models topic (one partition, keyed by
// window): a forest for one window, newest version wins.
type ModelMessage struct {
	V       int       `json:"v"`
	Window  float64   `json:"window"`
	Version int       `json:"version"`    // 1, 2, ... per window
	Trained int       `json:"trained_on"` // samples the forest was grown on
	Seen    int       `json:"seen"`       // samples of this window the trainer had consumed
	Created time.Time `json:"created"`
	// Model is the train.Model in its binary file format (train.Model.
	// MarshalBinary, whose forest body is deflate-compressed), base64 in
	// JSON.
	Model []byte `json:"model"`
}

// DecodeModel decodes and checks a models message; the model bytes
// themselves are decoded by the fitter (train.Model.UnmarshalBinary).
func DecodeModel(b []byte) (ModelMessage, error) {
	var m ModelMessage
	if err := decode(b, &m); err != nil {
		return m, err
	}
	if err := checkVersion(m.V); err != nil {
		return m, err
	}
	if err := positive("window", m.Window); err != nil {
		return m, err
	}
	if m.Version < 1 {
		return m, invalid("model version %d: want >= 1", m.Version)
	}
	if len(m.Model) == 0 {
		return m, invalid("empty model")
	}
	return m, nil
}

// Alert is a message of the alerts topic, keyed by cascade id: a prediction
// at or above the alert threshold.
type Alert struct {
	V            int     `json:"v"`
	ID           string  `json:"id"`
	Window       float64 `json:"window"`
	NHat         float64 `json:"nhat"`
	N            int     `json:"n"`
	ModelVersion int     `json:"model_version"`
	Source       string  `json:"source"`
	Time         float64 `json:"time"`
	Threshold    float64 `json:"threshold"`
	// Lo and Hi are the prediction's interval, where it has one.
	Lo *float64 `json:"lo,omitempty"`
	Hi *float64 `json:"hi,omitempty"`
}

// DecodeAlert decodes and checks an alerts message.
func DecodeAlert(b []byte) (Alert, error) {
	var a Alert
	if err := decodeKeyed(b, &a, &a.V, &a.ID, &a.Window); err != nil {
		return a, err
	}
	return a, nonNegative("nhat", a.NHat)
}

// Stat is a message of the stats topic, keyed by cascade id: how the
// prediction made on one window did against the cascade's final size.
type Stat struct {
	V            int     `json:"v"`
	ID           string  `json:"id"`
	Window       float64 `json:"window"`
	N            int     `json:"n"`
	Size         int     `json:"size"`
	NHat         float64 `json:"nhat"`
	ARE          float64 `json:"are"` // |size - nhat| / size
	ModelVersion int     `json:"model_version"`
	Source       string  `json:"source"`
	// Evicted cascades (see Prediction.Evicted) have no known final size:
	// Size is what was seen and the summary leaves them out of the ARE.
	Evicted bool `json:"evicted,omitempty"`
	// Curve is the growth of the whole cascade (see Prediction.Curve),
	// where the fitter gives it.
	Curve [][2]float64 `json:"curve,omitempty"`
}

// DecodeStat decodes and checks a stats message.
func DecodeStat(b []byte) (Stat, error) {
	var s Stat
	if err := decodeKeyed(b, &s, &s.V, &s.ID, &s.Window); err != nil {
		return s, err
	}
	if s.Size < 1 || s.N < 0 || s.N > s.Size {
		return s, invalid("n %d and size %d: want 0 <= n <= size, size >= 1", s.N, s.Size)
	}
	if err := checkCurve(s.Curve); err != nil {
		return s, err
	}
	return s, nonNegative("are", s.ARE)
}

// decodeKeyed unmarshals b into v, a message keyed by cascade and window,
// and checks the version, id and window fields it holds.
func decodeKeyed(b []byte, v any, version *int, id *string, window *float64) error {
	if err := decode(b, v); err != nil {
		return err
	}
	if err := checkVersion(*version); err != nil {
		return err
	}
	if err := checkID(*id); err != nil {
		return err
	}
	return positive("window", *window)
}

// decode unmarshals b into v.
func decode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func checkVersion(v int) error {
	if v != SchemaVersion {
		return invalid("schema version %d, want %d", v, SchemaVersion)
	}
	return nil
}

// MaxIDBytes bounds the length of a cascade id on the stream.
const MaxIDBytes = 256

// checkID checks a cascade id of a message: see badID.
func checkID(id string) error {
	if why := badID(id); why != "" {
		return invalid("%s", why)
	}
	return nil
}

// badID says why id cannot be a cascade id on the stream, or returns "" when
// it can: the rules of the batch index's id column (data.ReadIndex: not
// empty, no line break), at most MaxIDBytes, and valid UTF-8 (a JSON string
// cannot carry other bytes unchanged). Other control characters, terminal
// escapes included, are valid: whoever writes an id as text escapes it
// (see Alerter).
func badID(id string) string {
	switch {
	case id == "":
		return "empty id"
	case len(id) > MaxIDBytes:
		return fmt.Sprintf("id of %d bytes (at most %d)", len(id), MaxIDBytes)
	case strings.ContainsAny(id, "\r\n"):
		return fmt.Sprintf("id %q holds a line break", id)
	case !utf8.ValidString(id):
		return fmt.Sprintf("id %q is not valid UTF-8", id)
	}
	return ""
}

func checkStatus(s string) error {
	switch fit.Status(s) {
	case fit.StatusOK, fit.StatusSupercritical, fit.StatusUnbounded, fit.StatusFailed:
		return nil
	}
	return invalid("unknown status %q", s)
}

func finite(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return invalid("%s is not finite", name)
	}
	return nil
}

func nonNegative(name string, v float64) error {
	if err := finite(name, v); err != nil {
		return err
	}
	if v < 0 {
		return invalid("%s %v is negative", name, v)
	}
	return nil
}

func positive(name string, v float64) error {
	if err := finite(name, v); err != nil {
		return err
	}
	if v <= 0 {
		return invalid("%s %v: want > 0", name, v)
	}
	return nil
}

func optPtr(o features.Opt) *float64 {
	if !o.OK {
		return nil
	}
	v := o.V
	return &v
}

func ptrOpt(p *float64) features.Opt {
	if p == nil {
		return features.Opt{}
	}
	return features.Opt{V: *p, OK: true}
}

// WindowKey is how a window is written as a JSON object key (Summary) and a message
// key: "600", "3600".
func WindowKey(w float64) string { return strconv.FormatFloat(w, 'g', -1, 64) }
