package data

import (
	"bytes"
	"strings"
	"testing"
)

func TestReadSingleValid(t *testing.T) {
	tests := []struct {
		name, file, csv string
		want            Cascade
	}{
		{
			name: "spock header with an unnamed row-number column",
			file: "example_book.csv",
			csv:  ",magnitude,time\n1,40989,0\n2,1445,21\n3,0,21\n",
			want: Cascade{ID: "example_book", Times: []float64{0, 21, 21}, Mags: []float64{40989, 1445, 0}},
		},
		{
			name: "mishra header with quoted names and row numbers",
			file: "dir/example.csv",
			csv:  "\"\",\"magnitude\",\"time\"\n\"1\",227381,0\n\"2\",439,10\n",
			want: Cascade{ID: "example", Times: []float64{0, 10}, Mags: []float64{227381, 439}},
		},
		{
			name: "alternative names, first time not zero, crlf",
			file: "c.v1.txt",
			csv:  "relative_time_second , number_of_followers\r\n5.5,3\r\n\r\n6,0.5\r\n",
			want: Cascade{ID: "c.v1", Times: []float64{5.5, 6}, Mags: []float64{3, 0.5}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadSingleFrom(strings.NewReader(tt.csv), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffCascades([]Cascade{got}, []Cascade{tt.want}); d != "" {
				t.Error(d)
			}
			if cap(got.Times) != len(got.Times) || cap(got.Mags) != len(got.Mags) {
				t.Errorf("capacity beyond length %d", len(got.Times))
			}
		})
	}
}

func TestReadSingleErrors(t *testing.T) {
	tests := []struct {
		name, csv string
		want      error
		line      int
		column    string
	}{
		{"empty", "", ErrEmpty, 1, ""},
		{"header only", ",magnitude,time\n\n", ErrNoEvents, 2, ""},
		{"no time column", ",magnitude,t\n1,2,3\n", ErrMissingColumn, 1, "time"},
		{"backwards", ",magnitude,time\n1,5,10\n2,5,9\n", ErrBackwards, 3, "time"},
		{"negative magnitude", ",magnitude,time\n1,-5,10\n", ErrNegative, 2, "magnitude"},
		{"not a number", ",magnitude,time\n1,5,10\n2,5,ten\n", ErrNotNumber, 3, "time"},
		{"missing field", ",magnitude,time\n1,5\n", ErrFieldCount, 2, ""},
		{"NaN", ",magnitude,time\n1,nan,1\n", ErrNotFinite, 2, "magnitude"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSingleFrom(strings.NewReader(tt.csv), "one.csv")
			checkParseError(t, err, tt.want, "one.csv", tt.line, tt.column)
		})
	}
}

func TestReadSingleBackwardsMessage(t *testing.T) {
	_, err := ReadSingleFrom(strings.NewReader("time,magnitude\n30,1\n12,1\n"), "data/RT5.csv")
	want := "data/RT5.csv line 3 column time: time goes backwards inside cascade RT5 (12 after 30)"
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestWriteSingleRoundTrip(t *testing.T) {
	c := Cascade{ID: "x", Times: []float64{0, 0.1, 1e6, 1e6}, Mags: []float64{1e7, 0, 2.5, 1}}
	var buf bytes.Buffer
	if err := WriteSingle(&buf, c); err != nil {
		t.Fatal(err)
	}
	const want = "time,magnitude\n0,10000000\n0.1,0\n1000000,2.5\n1000000,1\n"
	if buf.String() != want {
		t.Errorf("WriteSingle wrote\n%s\nwant\n%s", buf.String(), want)
	}
	got, err := ReadSingleFrom(&buf, "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if d := diffCascades([]Cascade{got}, []Cascade{c}); d != "" {
		t.Error(d)
	}
}
