package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// readPair reads an index and an event file held in strings, as Load does,
// naming them index.csv and data.csv.
func readPair(dataCSV, indexCSV string) ([]Cascade, error) {
	index, err := ReadIndex(strings.NewReader(indexCSV), "index.csv")
	if err != nil {
		return nil, err
	}
	return ReadEvents(context.Background(), strings.NewReader(dataCSV), "data.csv", index)
}

// diffCascades describes the first difference between got and want, or
// returns "". Numbers are compared bit for bit: parsing and the write/read
// round trip are exact by design, so no tolerance applies.
func diffCascades(got, want []Cascade) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d cascades, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := &got[i], &want[i]
		switch {
		case g.ID != w.ID:
			return fmt.Sprintf("cascade %d: ID %q, want %q", i, g.ID, w.ID)
		case g.HasStart != w.HasStart:
			return fmt.Sprintf("cascade %s: HasStart %v, want %v", g.ID, g.HasStart, w.HasStart)
		case math.Float64bits(g.Start) != math.Float64bits(w.Start):
			return fmt.Sprintf("cascade %s: Start %v, want %v", g.ID, g.Start, w.Start)
		case len(g.Times) != len(w.Times) || len(g.Mags) != len(w.Mags):
			return fmt.Sprintf("cascade %s: %d times and %d mags, want %d and %d", g.ID, len(g.Times), len(g.Mags), len(w.Times), len(w.Mags))
		}
		for j := range g.Times {
			if math.Float64bits(g.Times[j]) != math.Float64bits(w.Times[j]) ||
				math.Float64bits(g.Mags[j]) != math.Float64bits(w.Mags[j]) {
				return fmt.Sprintf("cascade %s event %d: (%v, %v), want (%v, %v)", g.ID, j, g.Times[j], g.Mags[j], w.Times[j], w.Mags[j])
			}
		}
	}
	return ""
}

func TestReadValid(t *testing.T) {
	// Two cascades, a and b, used by most cases.
	ab := []Cascade{
		{ID: "a", Times: []float64{0, 30, 30}, Mags: []float64{10, 0, 7}},
		{ID: "b", Times: []float64{5, 6}, Mags: []float64{1, 2}},
	}
	news := []Cascade{
		{ID: "1", Times: ab[0].Times, Mags: ab[0].Mags},
		{ID: "2", Times: ab[1].Times, Mags: ab[1].Mags},
	}
	withStart := func(cs []Cascade, starts ...float64) []Cascade {
		out := make([]Cascade, len(cs))
		for i, c := range cs {
			c.Start, c.HasStart = starts[i], true
			out[i] = c
		}
		return out
	}
	const abData = "time,magnitude\n0,10\n30,0\n30,7\n5,1\n6,2\n"
	tests := []struct {
		name        string
		data, index string
		want        []Cascade
	}{
		{
			name:  "plain",
			data:  abData,
			index: "id,start_ind,end_ind\na,1,3\nb,4,5\n",
			want:  ab,
		},
		{
			name:  "news index with only start_ind and end_ind",
			data:  abData,
			index: "start_ind,end_ind\n1,3\n4,5\n",
			want:  news,
		},
		{
			// 0.5 and 1.25 days are exact in binary, so Start is exact.
			name:  "seismic index with post_time_day",
			data:  abData,
			index: "id,post_time_day,start_ind,end_ind\na,0.5,1,3\nb,1.25,4,5\n",
			want:  withStart(ab, 43200, 108000),
		},
		{
			name:  "start_time in seconds",
			data:  abData,
			index: "start_time,id,end_ind,start_ind\n100.5,a,3,1\n7,b,5,4\n",
			want:  withStart(ab, 100.5, 7),
		},
		{
			name:  "post_time in seconds and extra index columns",
			data:  abData,
			index: "id,post_time,start_ind,end_ind,note\na,1,1,3,x\nb,2,4,5,y\n",
			want:  withStart(ab, 1, 2),
		},
		{
			name:  "alternative data column names with extra columns",
			data:  "user,number_of_followers,relative_time_second\nu1,10,0\nu2,0,30\nu3,7,30\nu4,1,5\nu5,2,6\n",
			index: "id,start_ind,end_ind\na,1,3\nb,4,5\n",
			want:  ab,
		},
		{
			name:  "quoted header and values with spaces",
			data:  "\"\", \"magnitude\" , \"time\"\n\"1\",\"10\", 0\n\"2\", 0 ,30\n\"3\",7,\"30\"\n4,1,5\n5,2,6\n",
			index: "\"id\" ,\"start_ind\", end_ind\n \"a\" ,1,\"3\"\nb , 4 , 5\n",
			want:  ab,
		},
		{
			name:  "header names in another case",
			data:  "Time,MAGNITUDE\n0,10\n30,0\n30,7\n5,1\n6,2\n",
			index: "ID,Start_Ind,END_IND\na,1,3\nb,4,5\n",
			want:  ab,
		},
		{
			name:  "crlf line endings, blank lines and a byte order mark",
			data:  "\ufefftime,magnitude\r\n0,10\r\n\r\n30,0\r\n30,7\r\n5,1\r\n\n6,2\r\n\r\n",
			index: "\ufeffid,start_ind,end_ind\r\na,1,3\r\n\r\nb,4,5\r\n",
			want:  ab,
		},
		{
			name:  "no newline at the end",
			data:  strings.TrimSuffix(abData, "\n"),
			index: "id,start_ind,end_ind\na,1,3\nb,4,5",
			want:  ab,
		},
		{
			name:  "index out of data order keeps index order",
			data:  "time,magnitude\n5,1\n6,2\n0,10\n30,0\n30,7\n",
			index: "id,start_ind,end_ind\na,3,5\nb,1,2\n",
			want:  ab,
		},
		{
			name:  "gaps between and after ranges are skipped unparsed",
			data:  "time,magnitude\njunk\n0,10\n30,0\n30,7\nnot,a,row\n-1,-1\n5,1\n6,2\n\"unclosed\n",
			index: "id,start_ind,end_ind\na,2,4\nb,7,8\n",
			want:  ab,
		},
		{
			name:  "decimals, exponents and large numbers",
			data:  "time,magnitude\n0.25,1e3\n1.5e+02,14400000\n150.000,0.0\n1234567890123456789,.5\n",
			index: "id,start_ind,end_ind\nx,1,4\n",
			want: []Cascade{{ID: "x",
				Times: []float64{0.25, 150, 150, 1234567890123456789},
				Mags:  []float64{1000, 14400000, 0, 0.5}}},
		},
		{
			name:  "negative zero reads as zero",
			data:  "time,magnitude\n-0,-0.0\n",
			index: "id,start_ind,end_ind\nx,1,1\n",
			want:  []Cascade{{ID: "x", Times: []float64{0}, Mags: []float64{0}}},
		},
		{
			name:  "quoted id with comma, quote and spaces",
			data:  abData,
			index: "id,start_ind,end_ind\n\" a, \"\"q\"\" \",1,3\nb,4,5\n",
			want: []Cascade{
				{ID: ` a, "q" `, Times: ab[0].Times, Mags: ab[0].Mags},
				ab[1],
			},
		},
		{
			name:  "index with a header only",
			data:  abData,
			index: "id,start_ind,end_ind\n",
			want:  []Cascade{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readPair(tt.data, tt.index)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffCascades(got, tt.want); d != "" {
				t.Error(d)
			}
			for _, c := range got {
				if cap(c.Times) != len(c.Times) || cap(c.Mags) != len(c.Mags) {
					t.Errorf("cascade %s: capacity %d/%d beyond length %d", c.ID, cap(c.Times), cap(c.Mags), len(c.Times))
				}
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	const (
		goodData  = "time,magnitude\n0,1\n1,1\n2,1\n"
		goodIndex = "id,start_ind,end_ind\na,1,2\nb,3,3\n"
	)
	tests := []struct {
		name        string
		data, index string
		want        error
		file        string
		line        int
		column      string
	}{
		// Event file.
		{"empty data file", "", goodIndex, ErrEmpty, "data.csv", 1, ""},
		{"blank data file", "\n\r\n", goodIndex, ErrEmpty, "data.csv", 3, ""},
		{"no time column", "t,magnitude\n0,1\n", goodIndex, ErrMissingColumn, "data.csv", 1, "time"},
		{"no magnitude column", "time,followers\n0,1\n", goodIndex, ErrMissingColumn, "data.csv", 1, "magnitude"},
		{"two time columns", "time,magnitude,relative_time_second\n0,1,0\n", goodIndex, ErrDuplicateColumn, "data.csv", 1, "relative_time_second"},
		{"bad quote in header", "\"time,magnitude\n", goodIndex, ErrQuote, "data.csv", 1, ""},
		{"time not a number", "time,magnitude\n0,1\nabc,1\n2,1\n", goodIndex, ErrNotNumber, "data.csv", 3, "time"},
		{"magnitude not a number", "time,magnitude\n0,1\n1,1\n2,1x\n", goodIndex, ErrNotNumber, "data.csv", 4, "magnitude"},
		{"hexadecimal float", "time,magnitude\n0x1p3,1\n1,1\n2,1\n", goodIndex, ErrNotNumber, "data.csv", 2, "time"},
		{"digit separators", "time,magnitude\n1_000,1\n1,1\n2,1\n", goodIndex, ErrNotNumber, "data.csv", 2, "time"},
		{"empty magnitude", "time,magnitude\n0,\n1,1\n2,1\n", goodIndex, ErrMissingValue, "data.csv", 2, "magnitude"},
		{"quoted empty time", "time,magnitude\n\"\",1\n1,1\n2,1\n", goodIndex, ErrMissingValue, "data.csv", 2, "time"},
		{"too few fields", "time,magnitude\n0,1\n1\n2,1\n", goodIndex, ErrFieldCount, "data.csv", 3, ""},
		{"too many fields", "time,magnitude\n0,1\n1,1,\n2,1\n", goodIndex, ErrFieldCount, "data.csv", 3, ""},
		{"unclosed quote", "time,magnitude\n0,1\n\"1,1\n2,1\n", goodIndex, ErrQuote, "data.csv", 3, ""},
		{"quote inside a field", "time,magnitude\n0,1\n1,1\"2\n2,1\n", goodIndex, ErrQuote, "data.csv", 3, ""},
		{"text after a closing quote", "time,magnitude\n0,1\n\"1\"x,1\n2,1\n", goodIndex, ErrQuote, "data.csv", 3, ""},
		{"NaN time", "time,magnitude\n0,1\nNaN,1\n2,1\n", goodIndex, ErrNotFinite, "data.csv", 3, "time"},
		{"infinite magnitude", "time,magnitude\n0,1\n1,-Inf\n2,1\n", goodIndex, ErrNotFinite, "data.csv", 3, "magnitude"},
		{"overflowing time", "time,magnitude\n0,1\n1e400,1\n2,1\n", goodIndex, ErrNotFinite, "data.csv", 3, "time"},
		{"negative time", "time,magnitude\n-1,1\n1,1\n2,1\n", goodIndex, ErrNegative, "data.csv", 2, "time"},
		{"negative magnitude", "time,magnitude\n0,1\n1,-3\n2,1\n", goodIndex, ErrNegative, "data.csv", 3, "magnitude"},
		{"time backwards", "time,magnitude\n30,1\n12,1\n2,1\n", goodIndex, ErrBackwards, "data.csv", 3, "time"},
		{"time backwards after a blank line", "time,magnitude\n30,1\n\n12,1\n2,1\n", goodIndex, ErrBackwards, "data.csv", 4, "time"},
		{"time backwards named by the header", "relative_time_second,magnitude\n30,1\n12,1\n2,1\n", goodIndex, ErrBackwards, "data.csv", 3, "relative_time_second"},
		{"range beyond the data rows", "time,magnitude\n0,1\n1,1\n", goodIndex, ErrRange, "index.csv", 3, "start_ind"},
		{"range ends beyond the data rows", goodData, "id,start_ind,end_ind\na,1,2\nb,3,4\n", ErrRange, "index.csv", 3, "end_ind"},

		// Index file.
		{"empty index file", goodData, "", ErrEmpty, "index.csv", 1, ""},
		{"no start_ind column", goodData, "id,start,end_ind\na,1,2\n", ErrMissingColumn, "index.csv", 1, "start_ind"},
		{"no end_ind column", goodData, "id,start_ind\na,1\n", ErrMissingColumn, "index.csv", 1, "end_ind"},
		{"two start columns", goodData, "id,post_time_day,start_time,start_ind,end_ind\na,1,1,1,2\n", ErrDuplicateColumn, "index.csv", 1, "start_time"},
		{"two id columns", goodData, "id,ID,start_ind,end_ind\na,b,1,2\n", ErrDuplicateColumn, "index.csv", 1, "ID"},
		{"start_ind not an integer", goodData, "id,start_ind,end_ind\na,1.5,2\n", ErrNotNumber, "index.csv", 2, "start_ind"},
		{"end_ind missing", goodData, "id,start_ind,end_ind\na,1,2\nb,3,\n", ErrMissingValue, "index.csv", 3, "end_ind"},
		{"end_ind too large", goodData, "id,start_ind,end_ind\na,1,99999999999999999999\n", ErrRange, "index.csv", 2, "end_ind"},
		{"start_ind zero", goodData, "id,start_ind,end_ind\na,0,2\nb,3,3\n", ErrRange, "index.csv", 2, "start_ind"},
		{"inverted range", goodData, "id,start_ind,end_ind\na,1,2\nb,3,2\n", ErrInverted, "index.csv", 3, "end_ind"},
		{"overlapping ranges", goodData, "id,start_ind,end_ind\na,1,2\nb,2,3\n", ErrOverlap, "index.csv", 3, "start_ind"},
		{"overlap reported on the later line", goodData, "id,start_ind,end_ind\nb,2,3\nc,4,4\na,1,2\n", ErrOverlap, "index.csv", 4, "start_ind"},
		{"duplicate id", goodData, "id,start_ind,end_ind\na,1,2\na,3,3\n", ErrDuplicateID, "index.csv", 3, "id"},
		{"empty id", goodData, "id,start_ind,end_ind\n,1,2\n", ErrBadID, "index.csv", 2, "id"},
		{"id with a carriage return", goodData, "id,start_ind,end_ind\na\rb,1,2\n", ErrBadID, "index.csv", 2, "id"},
		{"index row with too few fields", goodData, "id,start_ind,end_ind\na,1\n", ErrFieldCount, "index.csv", 2, ""},
		{"post_time_day not a number", goodData, "id,post_time_day,start_ind,end_ind\na,x,1,2\n", ErrNotNumber, "index.csv", 2, "post_time_day"},
		{"post_time_day overflows in seconds", goodData, "id,post_time_day,start_ind,end_ind\na,1e304,1,2\n", ErrNotFinite, "index.csv", 2, "post_time_day"},
		{"start_time missing", goodData, "id,start_time,start_ind,end_ind\na,,1,2\n", ErrMissingValue, "index.csv", 2, "start_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readPair(tt.data, tt.index)
			checkParseError(t, err, tt.want, tt.file, tt.line, tt.column)
		})
	}
}

// checkParseError checks that err is a *ParseError at file, line and column
// that wraps want, and that its message says where.
func checkParseError(t *testing.T, err, want error, file string, line int, column string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Errorf("error %q is not %v", err, want)
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %q (%T) is not a *ParseError", err, err)
	}
	if pe.File != file || pe.Line != line || pe.Column != column {
		t.Errorf("error at %s line %d column %q, want %s line %d column %q (%q)", pe.File, pe.Line, pe.Column, file, line, column, err)
	}
	prefix := fmt.Sprintf("%s line %d", file, line)
	if column != "" {
		prefix += " column " + column
	}
	if msg := err.Error(); !strings.HasPrefix(msg, prefix+": ") {
		t.Errorf("message %q does not start with %q", msg, prefix+": ")
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		name        string
		data, index string
		want        string
	}{
		{
			name:  "backwards",
			data:  "time,magnitude\n0,1\n" + strings.Repeat("1,1\n", 14) + "30,1\n12,1\n",
			index: "id,start_ind,end_ind\nRT5,1,17\n",
			want:  "data.csv line 18 column time: time goes backwards inside cascade RT5 (12 after 30)",
		},
		{
			name:  "not a number",
			data:  "time,magnitude\n0,12abc\n",
			index: "id,start_ind,end_ind\nx,1,1\n",
			want:  `data.csv line 2 column magnitude: not a number ("12abc")`,
		},
		{
			name:  "out of bounds",
			data:  "time,magnitude\n0,1\n1,1\n",
			index: "id,start_ind,end_ind\nx,1,1\ny,2,5\n",
			want:  "index.csv line 3 column end_ind: index range out of bounds (rows 2-5, data.csv has 2 data rows)",
		},
		{
			name:  "overlap",
			data:  "time,magnitude\n0,1\n1,1\n",
			index: "id,start_ind,end_ind\nx,1,2\ny,2,2\n",
			want:  "index.csv line 3 column start_ind: overlapping index ranges (rows 2-2 overlap rows 1-2 on line 2)",
		},
		{
			name:  "missing column",
			data:  "t,m\n0,1\n",
			index: "id,start_ind,end_ind\nx,1,1\n",
			want:  "data.csv line 1 column time: missing column (the header needs time or relative_time_second)",
		},
		{
			name:  "duplicate id",
			data:  "time,magnitude\n0,1\n1,1\n",
			index: "id,start_ind,end_ind\nx,1,1\nx,2,2\n",
			want:  `index.csv line 3 column id: duplicate id "x" (first on line 2)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readPair(tt.data, tt.index)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}

func TestParseErrorFormat(t *testing.T) {
	tests := []struct {
		err  *ParseError
		want string
	}{
		{&ParseError{File: "d.csv", Line: 3, Column: "time", Err: ErrNegative}, "d.csv line 3 column time: negative value"},
		{&ParseError{File: "d.csv", Line: 3, Err: ErrFieldCount}, "d.csv line 3: wrong number of fields"},
		{&ParseError{File: "index", Column: "start_ind", Err: ErrRange}, "index column start_ind: index range out of bounds"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !errors.Is(tt.err, tt.err.Err) {
			t.Errorf("%q does not unwrap to %v", tt.err, tt.err.Err)
		}
	}
}

func TestReadEventsHandBuiltIndex(t *testing.T) {
	// Entries built in code have no file or line; errors still say which range.
	data := "time,magnitude\n0,1\n1,2\n"
	ctx := context.Background()
	cs, err := ReadEvents(ctx, strings.NewReader(data), "data.csv", []IndexEntry{{ID: "x", StartInd: 2, EndInd: 2}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Cascade{{ID: "x", Times: []float64{1}, Mags: []float64{2}}}
	if d := diffCascades(cs, want); d != "" {
		t.Error(d)
	}
	_, err = ReadEvents(ctx, strings.NewReader(data), "data.csv", []IndexEntry{{StartInd: 1, EndInd: 2}, {StartInd: 2, EndInd: 2}})
	checkParseErrorNoLine(t, err, ErrOverlap)
	_, err = ReadEvents(ctx, strings.NewReader(data), "data.csv", []IndexEntry{{StartInd: 1, EndInd: 3}})
	checkParseErrorNoLine(t, err, ErrRange)
}

func checkParseErrorNoLine(t *testing.T, err, want error) {
	t.Helper()
	var pe *ParseError
	if !errors.Is(err, want) || !errors.As(err, &pe) || pe.Line != 0 {
		t.Errorf("error %q, want a *ParseError without line wrapping %v", err, want)
	}
}

// cancelReader cancels a context on its first Read.
type cancelReader struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c *cancelReader) Read(p []byte) (int, error) {
	c.cancel()
	return c.r.Read(p)
}

func TestReadEventsContext(t *testing.T) {
	const rows = 3 << 16 // 768 KiB: several reads
	data := "time,magnitude\n" + strings.Repeat("0,1\n", rows)
	index := []IndexEntry{{ID: "x", StartInd: 1, EndInd: rows}}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadEvents(ctx, strings.NewReader(data), "data.csv", index); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the start: error %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	_, err := ReadEvents(ctx, &cancelReader{strings.NewReader(data), cancel}, "data.csv", index)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while reading: error %v, want context.Canceled", err)
	}
	// The first read (64 KiB: the header and 16 380 rows of 4 bytes) is
	// parsed, and the next one is refused.
	if want := fmt.Sprintf("read data.csv line %d: ", (MaxLineBytes-len("time,magnitude\n"))/4+2); !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start with %q", err, want)
	}
}

// errReader returns its data and then a read error.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, e.err
	}
	return n, err
}

func TestReadIOError(t *testing.T) {
	boom := errors.New("disk on fire")
	index := []IndexEntry{{ID: "x", StartInd: 1, EndInd: 3}}
	_, err := ReadEvents(context.Background(), &errReader{strings.NewReader("time,magnitude\n0,1\n"), boom}, "data.csv", index)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "read data.csv line 3: ") {
		t.Errorf("ReadEvents: error %q, want %q wrapped as read data.csv line 3", err, boom)
	}
	_, err = ReadIndex(&errReader{strings.NewReader("start_ind,end_ind\n1,1\n"), boom}, "index.csv")
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "read index.csv line 3: ") {
		t.Errorf("ReadIndex: error %q, want %q wrapped as read index.csv line 3", err, boom)
	}
}

func TestLoadMissingFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadDir(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "index.csv") {
		t.Errorf("LoadDir of an empty directory: error %v, want one naming index.csv", err)
	}
}

func TestLongLine(t *testing.T) {
	// A row of MaxLineBytes, its line end included, is read whole.
	pad := strings.Repeat("x", MaxLineBytes-len("0,1,\n"))
	data := "time,magnitude,pad\n0,1," + pad + "\n2,3,y\n"
	cs, err := readPair(data, "start_ind,end_ind\n1,2\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Cascade{{ID: "1", Times: []float64{0, 2}, Mags: []float64{1, 3}}}
	if d := diffCascades(cs, want); d != "" {
		t.Error(d)
	}
	// One byte more is refused.
	_, err = readPair("time,magnitude,pad\n0,1,x"+pad+"\n2,3,y\n", "start_ind,end_ind\n1,2\n")
	checkParseError(t, err, ErrLineTooLong, "data.csv", 2, "")
}

func TestParseFloatMatchesStrconv(t *testing.T) {
	// The fast path must agree with strconv.ParseFloat bit for bit.
	inputs := []string{
		"0", "1", "7", "10", "0.1", "0.3", ".5", "5.", "123456789012345", "999999999999999",
		"0.000000000000001", "1.00000000000001", "604798", "14400000", "3.14159265358979",
		"2.2250738585072014", "1234567890123456", "0.1234567890123456", "00000000000000000001",
	}
	for _, s := range inputs {
		got, err := parseFloat([]byte(s))
		if err != nil {
			t.Errorf("parseFloat(%q): %v", s, err)
			continue
		}
		want, _ := strconv.ParseFloat(s, 64)
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseFloat(%q) = %v, strconv gives %v", s, got, want)
		}
	}
}
