package train

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strconv"
	"time"
)

// FormatVersion is the newest version of the model file format, which
// ReadModel reads with every older one. Write writes the oldest version that
// holds the model: 1 for a random forest, 2 for boosted trees, 3 for a
// quantile regression forest, 4 for one whose interval is split by
// predicted size (Interval.Split), 5 for one whose interval is calibrated
// per bin of predicted size (Interval.Bins) (see the package doc), so the
// files of plain forests stay readable by older builds.
const FormatVersion = 5

// Magic opens every model file.
const Magic = "HKRF"

// Limits on the parts of a model file, checked before anything is read into
// memory or inflated (see "Bounds" in the package doc). Write refuses a model
// beyond them, so every file it writes can be read back.
const (
	// MaxHeaderBytes bounds the JSON header.
	MaxHeaderBytes = 1 << 20
	// MaxRawBytes bounds the forest body once inflated: 32 MiB, about 9.5
	// million nodes at the 3.5 bytes a node measured on fitted forests
	// (some 115 MB in memory): 200 trees grown with the default MinLeaf on
	// some 190 000 cascades, or with MinLeaf 1 on 45 000. The largest data
	// set in hand has 20 000 cascades; a stream's model is under 1 MB.
	MaxRawBytes = 32 << 20
	// MaxBodyBytes bounds the compressed body. Fitted forests compress to
	// about 70% of their raw size, so it is MaxRawBytes.
	MaxBodyBytes = MaxRawBytes
)

// Model is a trained forest with what is needed to use it: the names of its
// features, in the order of a row, and the observation window they were
// computed on.
type Model struct {
	// Version is the format version of the file ReadModel read. Write
	// ignores it and writes the oldest version that holds the model.
	Version int
	// Window is the observation window T, in seconds, of the features.
	Window float64
	// Features names the features, in the order of a row; there are
	// Forest.NFeatures of them.
	Features []string
	// Target names the target, e.g. "w".
	Target string
	// Config is the settings the forest was grown with; Config.Resolve
	// fills in the defaults. Workers does not change the forest and may be
	// left 0. It is left zero for boosted trees.
	Config Config
	// Boost is the settings boosted trees (Forest.Sum) were grown with, nil
	// for a random forest.
	Boost *BoostConfig
	// Forest is the forest.
	Forest *Forest
	// TrainedOn is the number of training rows.
	TrainedOn int
	// LogLinear is the constant a of the log-linear baseline
	// log N = a + log n fitted on the training rows, the fallback where the
	// forest gives no prediction; nil in files written before it was
	// recorded. It must be finite.
	LogLinear *float64
	// Shift is added to the forest's prediction y of a log-ratio target for
	// the point prediction (n exp(y + Shift)), not for the interval: the
	// correction that minimises the relative error (predict.AREShift). It
	// must be finite; files written before it was recorded have 0.
	Shift float64
	// Interval, when not nil, turns a prediction y of the forest into the
	// interval [y+Lo, y+Hi] meant to hold the target with probability
	// Level (see Interval).
	Interval *Interval
	// Created is when the model was trained; the zero time (unknown) is not
	// written. It is stored to the nanosecond with its UTC offset.
	Created time.Time
}

// fileHeader is the JSON header of a model file.
type fileHeader struct {
	Window    float64      `json:"window"`
	Features  []string     `json:"features"`
	Target    string       `json:"target"`
	Config    Config       `json:"config"`
	Boost     *BoostConfig `json:"boost,omitempty"`
	TrainedOn int          `json:"trained_on"`
	LogLinear *float64     `json:"loglinear_a,omitempty"`
	Shift     float64      `json:"shift,omitempty"`
	Interval  *Interval    `json:"interval,omitempty"`
	Created   time.Time    `json:"created,omitzero"`
	Forest    forestHeader `json:"forest"`
}

type forestHeader struct {
	NFeatures  int       `json:"n_features"`
	Trees      int       `json:"trees"`
	Nodes      int       `json:"nodes"`
	Importance []float64 `json:"importance"`
	OOB        oobHeader `json:"oob"`
	RawBytes   int       `json:"raw_bytes"` // body size after decompression
	Combine    string    `json:"combine,omitempty"`
	Quantiles  bool      `json:"quantiles,omitempty"` // version 3: the body ends with the quantiles section
}

// The values of forestHeader.Combine: how the trees' leaves make a
// prediction. Version 1 files have no combine and are combineMean.
const (
	combineMean = "mean"
	combineSum  = "sum"
)

type oobHeader struct {
	MSE jsonFloat `json:"mse"`
	R2  jsonFloat `json:"r2"`
	N   int       `json:"n"`
}

// jsonFloat is a float64 that JSON can hold when it is NaN or infinite: as
// the strings "NaN", "+Inf" and "-Inf".
type jsonFloat float64

func (v jsonFloat) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.AppendQuote(nil, strconv.FormatFloat(f, 'g', -1, 64)), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

func (v *jsonFloat) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch s {
	case `"NaN"`:
		*v = jsonFloat(math.NaN())
		return nil
	case `"+Inf"`:
		*v = jsonFloat(math.Inf(1))
		return nil
	case `"-Inf"`:
		*v = jsonFloat(math.Inf(-1))
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("bad number %.20q", s)
	}
	*v = jsonFloat(f)
	return nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Write writes m to w in the model file format of the package doc. It
// returns an error, without writing, if m.Forest is nil or invalid, if
// m.Features does not name each feature, or if m.Window is not finite.
func (m *Model) Write(w io.Writer) error {
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("train: write model: %w", err)
	}
	return nil
}

// MarshalBinary returns m in the model file format, as Write writes it.
func (m *Model) MarshalBinary() ([]byte, error) {
	f := m.Forest
	if f == nil {
		return nil, errors.New("train: write model: no forest")
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("train: write model: %w", err)
	}
	if len(m.Features) != f.NFeatures {
		return nil, fmt.Errorf("train: write model: %d feature names for %d features", len(m.Features), f.NFeatures)
	}
	if math.IsNaN(m.Window) || math.IsInf(m.Window, 0) {
		return nil, fmt.Errorf("train: write model: window %v", m.Window)
	}
	if m.Interval != nil {
		if err := m.Interval.Validate(); err != nil {
			return nil, fmt.Errorf("train: write model: %w", err)
		}
		if m.Interval.Quantile() && f.Quantiles == nil {
			return nil, errors.New("train: write model: quantile interval for a forest without quantiles")
		}
	}
	if a := m.LogLinear; a != nil && (math.IsNaN(*a) || math.IsInf(*a, 0)) {
		return nil, fmt.Errorf("train: write model: log-linear constant %v", *a)
	}
	if math.IsNaN(m.Shift) || math.IsInf(m.Shift, 0) {
		return nil, fmt.Errorf("train: write model: shift %v", m.Shift)
	}
	raw := encodeForest(f)
	var body bytes.Buffer
	zw, err := flateWriter(&body)
	if err != nil {
		return nil, fmt.Errorf("train: write model: %w", err)
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("train: write model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("train: write model: %w", err)
	}
	version := uint16(1)
	var combine string
	if f.Sum {
		version, combine = 2, combineSum
	}
	if f.Quantiles != nil {
		version, combine = 3, combineMean
		if m.Interval != nil && m.Interval.Split != nil {
			version = 4 // an older build would ignore the split
		}
		if m.Interval != nil && m.Interval.Bins != nil {
			version = 5 // an older build would ignore the bins
		}
	}
	h := fileHeader{
		Window: m.Window, Features: m.Features, Target: m.Target, Config: m.Config, Boost: m.Boost,
		TrainedOn: m.TrainedOn, LogLinear: m.LogLinear, Shift: m.Shift, Interval: m.Interval, Created: m.Created,
		Forest: forestHeader{
			NFeatures: f.NFeatures, Trees: len(f.Trees), Nodes: f.NumNodes(),
			Importance: f.Importance,
			OOB:        oobHeader{MSE: jsonFloat(f.OOBStats.MSE), R2: jsonFloat(f.OOBStats.R2), N: f.OOBStats.N},
			RawBytes:   len(raw),
			Combine:    combine,
			Quantiles:  f.Quantiles != nil,
		},
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("train: write model header: %w", err)
	}
	if len(hj) > MaxHeaderBytes || body.Len() > MaxBodyBytes || len(raw) > MaxRawBytes {
		return nil, fmt.Errorf("train: write model: too large (header %d, body %d, raw body %d bytes)", len(hj), body.Len(), len(raw))
	}
	out := make([]byte, 0, len(Magic)+2+4+len(hj)+4+body.Len()+4)
	out = append(out, Magic...)
	out = binary.BigEndian.AppendUint16(out, version)
	out = binary.BigEndian.AppendUint32(out, uint32(len(hj)))
	out = append(out, hj...)
	out = binary.BigEndian.AppendUint32(out, uint32(body.Len()))
	out = append(out, body.Bytes()...)
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
	return out, nil
}

// UnmarshalBinary sets m to the model in data, which must hold one model
// file and nothing after it (see ReadModelAll). On error m is unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	got, err := ReadModelAll(bytes.NewReader(data))
	if err != nil {
		return err
	}
	*m = *got
	return nil
}

// ReadModelAll reads one model file from r, as ReadModel does, and then
// checks that r ends there: a byte after the model is an error wrapping
// ErrCorrupt, as is the content of a file that holds more than a model. It
// reads at most one byte past the model, so an endless r costs nothing more.
func ReadModelAll(r io.Reader) (*Model, error) {
	m, err := ReadModel(r)
	if err != nil {
		return nil, err
	}
	var extra [1]byte
	n, err := io.ReadFull(r, extra[:])
	switch {
	case n > 0:
		if l, ok := r.(interface{ Len() int }); ok {
			return nil, fmt.Errorf("%w: %d bytes after the model", ErrCorrupt, l.Len()+n)
		}
		return nil, fmt.Errorf("%w: bytes after the model", ErrCorrupt)
	case err != io.EOF:
		return nil, readErr("end of file", err)
	}
	return m, nil
}

// ReadModel reads a model file written by Write, reading no further than
// its end; ReadModelAll also refuses bytes after it. It returns an error wrapping ErrNotModel if r does not start with
// Magic, ErrVersion for a format version other than 1 to FormatVersion,
// ErrTruncated if r ends early and ErrCorrupt if the checksum or the content
// is wrong. It does not panic on any input.
func ReadModel(r io.Reader) (*Model, error) {
	crc := crc32.New(castagnoli)
	tr := io.TeeReader(r, crc)
	fixed := func(n int, what string) ([]byte, error) {
		b := make([]byte, n)
		if _, err := io.ReadFull(tr, b); err != nil {
			return nil, readErr(what, err)
		}
		return b, nil
	}

	magic, err := fixed(len(Magic)+2, "magic")
	if err != nil {
		return nil, err
	}
	if string(magic[:len(Magic)]) != Magic {
		return nil, fmt.Errorf("%w: starts with %q, want %q", ErrNotModel, magic[:len(Magic)], Magic)
	}
	version := int(binary.BigEndian.Uint16(magic[len(Magic):]))
	if version < 1 || version > FormatVersion {
		return nil, fmt.Errorf("%w: version %d, this build reads versions 1 to %d", ErrVersion, version, FormatVersion)
	}
	hj, err := lengthPrefixed(tr, MaxHeaderBytes, "header")
	if err != nil {
		return nil, err
	}
	body, err := lengthPrefixed(tr, MaxBodyBytes, "body")
	if err != nil {
		return nil, err
	}
	sum := crc.Sum32()
	trailer := make([]byte, 4)
	if _, err := io.ReadFull(r, trailer); err != nil {
		return nil, readErr("checksum", err)
	}
	if want := binary.BigEndian.Uint32(trailer); sum != want {
		return nil, fmt.Errorf("%w: checksum %08x, file says %08x", ErrCorrupt, sum, want)
	}
	return decodeModel(version, hj, body)
}

// readErr wraps an error of reading part what of a model file.
func readErr(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: reading %s: %w", ErrTruncated, what, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("train: read %s: %w", what, err)
}

// lengthPrefixed reads a big-endian uint32 length, at most limit, and that
// many bytes. Memory grows with the bytes actually read, so a corrupt length
// on a short input costs little.
func lengthPrefixed(r io.Reader, limit int, what string) ([]byte, error) {
	var lb [4]byte
	if _, err := io.ReadFull(r, lb[:]); err != nil {
		return nil, readErr(what+" length", err)
	}
	n := int64(binary.BigEndian.Uint32(lb[:]))
	if n > int64(limit) {
		return nil, fmt.Errorf("%w: %s of %d bytes, limit %d", ErrCorrupt, what, n, limit)
	}
	b, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return nil, readErr(what, err)
	}
	if int64(len(b)) < n {
		return nil, fmt.Errorf("%w: %s has %d of %d bytes: %w", ErrTruncated, what, len(b), n, io.ErrUnexpectedEOF)
	}
	return b, nil
}

// decodeModel decodes the JSON header and the compressed body of a model
// file whose checksum has been verified.
func decodeModel(version int, hj, body []byte) (*Model, error) {
	var h fileHeader
	if err := json.Unmarshal(hj, &h); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrCorrupt, err)
	}
	fh := h.Forest
	var sum bool
	switch {
	case version == 1 && fh.Combine != "":
		return nil, fmt.Errorf("%w: version 1 header with combine %q", ErrCorrupt, fh.Combine)
	case version >= 2 && (fh.Combine == combineSum):
		sum = true
	case version >= 2 && fh.Combine != combineMean:
		return nil, fmt.Errorf("%w: header: combine %q, want %q or %q", ErrCorrupt, fh.Combine, combineMean, combineSum)
	}
	if fh.Quantiles && (version < 3 || sum) {
		return nil, fmt.Errorf("%w: header: quantiles in a version %d file of combine %q", ErrCorrupt, version, fh.Combine)
	}
	if h.Boost != nil {
		if err := h.Boost.Validate(); err != nil {
			return nil, fmt.Errorf("%w: header: %w", ErrCorrupt, err)
		}
	}
	raw, err := inflate(body, fh.RawBytes)
	if err != nil {
		return nil, err
	}
	f, err := decodeForest(raw, fh.Quantiles)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	switch {
	case fh.NFeatures != f.NFeatures || fh.Trees != len(f.Trees) || fh.Nodes != f.NumNodes():
		return nil, fmt.Errorf("%w: header says %d features, %d trees, %d nodes; body has %d, %d, %d",
			ErrCorrupt, fh.NFeatures, fh.Trees, fh.Nodes, f.NFeatures, len(f.Trees), f.NumNodes())
	case len(h.Features) != f.NFeatures:
		return nil, fmt.Errorf("%w: %d feature names for %d features", ErrCorrupt, len(h.Features), f.NFeatures)
	case math.IsNaN(h.Window) || math.IsInf(h.Window, 0):
		return nil, fmt.Errorf("%w: window %v", ErrCorrupt, h.Window)
	case h.LogLinear != nil && (math.IsNaN(*h.LogLinear) || math.IsInf(*h.LogLinear, 0)):
		return nil, fmt.Errorf("%w: log-linear constant %v", ErrCorrupt, *h.LogLinear)
	case math.IsNaN(h.Shift) || math.IsInf(h.Shift, 0):
		return nil, fmt.Errorf("%w: shift %v", ErrCorrupt, h.Shift)
	case h.Interval != nil && h.Interval.Validate() != nil:
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, h.Interval.Validate())
	}
	if h.Interval != nil && h.Interval.Quantile() && f.Quantiles == nil {
		return nil, fmt.Errorf("%w: quantile interval for a forest without quantiles", ErrCorrupt)
	}
	if h.Interval != nil && h.Interval.Split != nil && version < 4 {
		return nil, fmt.Errorf("%w: split interval in a version %d file", ErrCorrupt, version)
	}
	if h.Interval != nil && h.Interval.Bins != nil && version < 5 {
		return nil, fmt.Errorf("%w: binned interval in a version %d file", ErrCorrupt, version)
	}
	f.Importance = fh.Importance
	f.Sum = sum
	f.OOBStats = OOBStats{MSE: float64(fh.OOB.MSE), R2: float64(fh.OOB.R2), N: fh.OOB.N}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	for j, v := range f.Importance {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: importance of feature %d is %v", ErrCorrupt, j, v)
		}
	}
	return &Model{
		Version: version, Window: h.Window, Features: h.Features, Target: h.Target,
		Config: h.Config, Boost: h.Boost, Forest: f, TrainedOn: h.TrainedOn, LogLinear: h.LogLinear, Shift: h.Shift, Interval: h.Interval, Created: h.Created,
	}, nil
}

// inflate returns the compressed body inflated, which the header says is
// size bytes. It refuses a size above MaxRawBytes before inflating anything,
// then inflates the body once without keeping it, through a limit of size+1
// bytes, to check that it inflates to exactly size bytes, and only then
// allocates size bytes and inflates it again. A lying header or a body that
// inflates without end thus costs at most the size the header claims, within
// the bound, and memory only for a body that holds what the header says.
func inflate(body []byte, size int) ([]byte, error) {
	if size < 0 || size > MaxRawBytes {
		return nil, fmt.Errorf("%w: header: raw body of %d bytes, limit %d", ErrCorrupt, size, MaxRawBytes)
	}
	zr := flateReader(bytes.NewReader(body))
	n, err := io.Copy(io.Discard, io.LimitReader(zr, int64(size)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: body: %w", ErrCorrupt, err)
	}
	if n != int64(size) {
		more := ""
		if n > int64(size) {
			more = " or more"
		}
		return nil, fmt.Errorf("%w: body inflates to %d bytes%s, header says %d", ErrCorrupt, n, more, size)
	}
	raw := make([]byte, size)
	if _, err := io.ReadFull(flateReader(bytes.NewReader(body)), raw); err != nil {
		return nil, fmt.Errorf("%w: body: %w", ErrCorrupt, err) // cannot happen: it inflated once
	}
	return raw, nil
}

// flateWriter and flateReader are the body's compressor and decompressor.
func flateWriter(w io.Writer) (*flate.Writer, error) {
	return flate.NewWriter(w, flate.BestCompression)
}

func flateReader(r io.Reader) io.ReadCloser { return flate.NewReader(r) }

// Interval is the prediction interval of a model, in the forest's target
// space, meant to hold the true target with probability Level. Without
// quantile levels (QLo = QHi = 0), a prediction y gives [y+Lo, y+Hi], Lo
// and Hi being quantiles of the out-of-bag residuals of the training rows
// (split conformal on the forest's own out-of-bag predictions). With them
// (0 < QLo < QHi < 1, for a forest with Quantiles) it is [Q(QLo)+Lo,
// Q(QHi)+Hi], Q being the quantile regression forest's conditional
// quantiles at the row; QLo and QHi are chosen on the out-of-bag quantiles
// of the training rows (see predict.QRFInterval), and Lo = -Hi widen (or,
// negative, narrow) both ends for conformalized quantile regression
// (predict.CQRInterval; ends that cross meet in the middle). With a Split
// (version 4), rows whose predicted log size is at or above it use QLo2 and
// QHi2 (predict.QRFSplitInterval). With Bins (version 5), the ends are
// moved by the offsets of the row's bin of predicted log size instead of
// Lo and Hi (predict.CQRBinsInterval).
type Interval struct {
	Level float64 `json:"level"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	QLo   float64 `json:"q_lo,omitempty"`
	QHi   float64 `json:"q_hi,omitempty"`
	// Split, when not nil, splits the rows by their predicted log size
	// log(n) + y (version 4): those at or above it use the quantile levels
	// QLo2 and QHi2 instead of QLo and QHi.
	Split *float64 `json:"split,omitempty"`
	QLo2  float64  `json:"q_lo2,omitempty"`
	QHi2  float64  `json:"q_hi2,omitempty"`
	// Bins, when not nil, gives each bin of predicted log size its own
	// offsets of the quantile ends (version 5); Lo and Hi are then 0.
	Bins *IntervalBins `json:"bins,omitempty"`
	// Method names how the interval was calibrated (predict's
	// IntervalMethod), for the reader; empty in older files.
	Method string `json:"method,omitempty"`
}

// Quantile reports whether iv is a quantile regression forest interval.
func (iv *Interval) Quantile() bool { return iv.QHi > 0 }

// IntervalBins are the bins of predicted log size log(n) + y of a binned
// interval: a row falls in bin b, the number of Edges at or below its
// predicted log size, and its interval is [Q(QLo)+Lo[b], Q(QHi)+Hi[b]].
type IntervalBins struct {
	Edges []float64 `json:"edges"`
	Lo    []float64 `json:"lo"`
	Hi    []float64 `json:"hi"`
}

// Bin returns the bin of a row of predicted log size p.
func (b *IntervalBins) Bin(p float64) int {
	k := 0
	for k < len(b.Edges) && b.Edges[k] <= p {
		k++
	}
	return k
}

// validate reports an error unless the edges are finite and increasing,
// with one bin more than edges, and every offset finite.
func (b *IntervalBins) validate() error {
	if len(b.Lo) != len(b.Edges)+1 || len(b.Hi) != len(b.Lo) {
		return fmt.Errorf("bins: %d edges, %d lower and %d upper offsets, want one offset more than edges", len(b.Edges), len(b.Lo), len(b.Hi))
	}
	for k, e := range b.Edges {
		if math.IsNaN(e) || math.IsInf(e, 0) || k > 0 && e <= b.Edges[k-1] {
			return fmt.Errorf("bins: edges %v, want finite and increasing", b.Edges)
		}
	}
	for k := range b.Lo {
		for _, v := range []float64{b.Lo[k], b.Hi[k]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("bins: offset %v of bin %d, want finite", v, k)
			}
		}
	}
	return nil
}

// Validate reports an error unless 0 < Level < 1, Lo <= Hi (or, for
// quantile levels, Lo = -Hi: conformalized quantiles may narrow), all
// finite, and QLo = QHi = 0 or 0 < QLo < QHi < 1; a Split must be finite,
// of a quantile interval, with 0 < QLo2 < QHi2 < 1, and QLo2 = QHi2 = 0
// without one; Bins must be of a quantile interval without a Split, with
// Lo = Hi = 0.
func (iv *Interval) Validate() error {
	if !(iv.Level > 0 && iv.Level < 1) || !(iv.Lo <= iv.Hi || iv.Quantile() && iv.Lo == -iv.Hi) || math.IsInf(iv.Lo, 0) || math.IsInf(iv.Hi, 0) || math.IsNaN(iv.Lo) || math.IsNaN(iv.Hi) ||
		!((iv.QLo == 0 && iv.QHi == 0) || (0 < iv.QLo && iv.QLo < iv.QHi && iv.QHi < 1)) {
		return fmt.Errorf("interval %+v: want 0 < level < 1, finite lo <= hi and q_lo = q_hi = 0 or 0 < q_lo < q_hi < 1", *iv)
	}
	if iv.Bins != nil {
		if err := iv.Bins.validate(); err != nil {
			return fmt.Errorf("interval %+v: %w", *iv, err)
		}
		if !iv.Quantile() || iv.Split != nil || iv.Lo != 0 || iv.Hi != 0 {
			return fmt.Errorf("interval %+v: bins need a quantile interval without a split, lo and hi 0", *iv)
		}
	}
	if iv.Split == nil {
		if iv.QLo2 != 0 || iv.QHi2 != 0 {
			return fmt.Errorf("interval %+v: q_lo2 and q_hi2 without a split", *iv)
		}
		return nil
	}
	if s := *iv.Split; math.IsNaN(s) || math.IsInf(s, 0) || !iv.Quantile() || !(0 < iv.QLo2 && iv.QLo2 < iv.QHi2 && iv.QHi2 < 1) {
		return fmt.Errorf("interval %+v: split %v: want a finite split of a quantile interval with 0 < q_lo2 < q_hi2 < 1", *iv, s)
	}
	return nil
}
