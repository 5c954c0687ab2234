package evaluate

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Format names an output format of Report.Write.
type Format string

// The output formats.
const (
	// Table is an aligned human-readable table: one block per method with
	// the overall errors and one line per decile, then a side-by-side
	// summary of mean and median ARE per method, then, when some methods
	// have intervals, their coverage and median relative width per decile.
	Table Format = "table"
	// CSV has a header and one row per method and group, the group being
	// "all" or the decile number 1..10.
	CSV Format = "csv"
	// JSON is one object {"window": T, "cascades": n, "methods": {name: M}},
	// where M is {"mean_are", "median_are", "deciles": [{"lo", "hi", "count",
	// "mean_are", "median_are"}, ...]}. Methods appear in report order.
	// A method with intervals adds "level", "coverage" and
	// "median_rel_width" to M, and "coverage" and "median_rel_width" to
	// each decile.
	JSON Format = "json"
)

// formats are the output formats accepted by Report.Write.
var formats = [...]Format{Table, CSV, JSON}

// Formats returns the report formats, in the order of ParseFormat's error
// message; the slice is a new copy on each call.
func Formats() []Format { return slices.Clone(formats[:]) }

// ParseFormat returns the Format named s ("table", "csv" or "json").
func ParseFormat(s string) (Format, error) {
	for _, f := range formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("evaluate: unknown format %q: want table, csv or json", s)
}

// Write writes the report to w in format f.
func (r *Report) Write(w io.Writer, f Format) error {
	switch f {
	case Table:
		return r.WriteTable(w)
	case CSV:
		return r.WriteCSV(w)
	case JSON:
		return r.WriteJSON(w)
	}
	return fmt.Errorf("evaluate: unknown format %q: want table, csv or json", string(f))
}

// num formats a number in its shortest exact form (3600, 0.25, 1e-05).
func num(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// sizeRange formats a decile's range of true sizes.
func sizeRange(d Decile) string {
	return num(d.Lo) + "-" + num(d.Hi)
}

// WriteTable writes the report as aligned text. Errors are shown with three
// decimals.
func (r *Report) WriteTable(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Absolute relative error |N - N_hat| / N, T = %s s, %d cascades\n",
		num(r.Window), len(r.Sizes))
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, m := range r.Methods {
		fmt.Fprintf(tw, "\n")
		// A line without tabs ends the column blocks, so each method's
		// table is aligned on its own.
		fmt.Fprintf(tw, "%s: mean ARE %.3f, median ARE %.3f\n", m.Name, m.Overall.MeanARE, m.Overall.MedianARE)
		fmt.Fprintf(tw, "decile\ttrue size N\tcount\tmean ARE\tmedian ARE\t\n")
		for k, d := range r.Deciles {
			s := m.Deciles[k]
			fmt.Fprintf(tw, "%d\t%s\t%d\t%.3f\t%.3f\t\n", k+1, sizeRange(d), s.Count, s.MeanARE, s.MedianARE)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(bw, "\nSummary: mean / median ARE\n")
	tw = tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "decile\ttrue size N\t")
	for _, m := range r.Methods {
		fmt.Fprintf(tw, "%s\t", m.Name)
	}
	fmt.Fprintf(tw, "\n")
	for k, d := range r.Deciles {
		fmt.Fprintf(tw, "%d\t%s\t", k+1, sizeRange(d))
		for _, m := range r.Methods {
			fmt.Fprintf(tw, "%.3f / %.3f\t", m.Deciles[k].MeanARE, m.Deciles[k].MedianARE)
		}
		fmt.Fprintf(tw, "\n")
	}
	fmt.Fprintf(tw, "all\t%s\t", num(r.Deciles[0].Lo)+"-"+num(r.Deciles[NumDeciles-1].Hi))
	for _, m := range r.Methods {
		fmt.Fprintf(tw, "%.3f / %.3f\t", m.Overall.MeanARE, m.Overall.MedianARE)
	}
	fmt.Fprintf(tw, "\n")
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := r.writeIntervalTable(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// intervalMethods returns the methods of r that have intervals.
func (r *Report) intervalMethods() []MethodReport {
	var ms []MethodReport
	for _, m := range r.Methods {
		if m.Interval != nil {
			ms = append(ms, m)
		}
	}
	return ms
}

// writeIntervalTable writes, for the methods with intervals, the coverage
// and median relative width per decile; nothing when there are none.
func (r *Report) writeIntervalTable(w io.Writer) error {
	ms := r.intervalMethods()
	if len(ms) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nIntervals: coverage (fraction of N in [lo, hi]) / median relative width (hi - lo) / N_hat\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "decile\ttrue size N\t")
	for _, m := range ms {
		fmt.Fprintf(tw, "%s (level %s)\t", m.Name, num(m.Interval.Level))
	}
	fmt.Fprintf(tw, "\n")
	for k, d := range r.Deciles {
		fmt.Fprintf(tw, "%d\t%s\t", k+1, sizeRange(d))
		for _, m := range ms {
			s := m.Interval.Deciles[k]
			fmt.Fprintf(tw, "%.3f / %.3f\t", s.Coverage, s.MedianWidth)
		}
		fmt.Fprintf(tw, "\n")
	}
	fmt.Fprintf(tw, "all\t%s\t", num(r.Deciles[0].Lo)+"-"+num(r.Deciles[NumDeciles-1].Hi))
	for _, m := range ms {
		s := m.Interval.Overall
		fmt.Fprintf(tw, "%.3f / %.3f\t", s.Coverage, s.MedianWidth)
	}
	fmt.Fprintf(tw, "\n")
	return tw.Flush()
}

// WriteCSV writes the report as CSV with the header
// window,method,decile,lo,hi,count,mean_are,median_are and, for each method in
// report order, one row for all cascades (decile "all") and one per decile.
// When some method has intervals, the header goes on with
// level,coverage,median_rel_width, which are empty for the methods without.
// Numbers are written in their shortest exact form.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	withIntervals := len(r.intervalMethods()) > 0
	header := []string{"window", "method", "decile", "lo", "hi", "count", "mean_are", "median_are"}
	if withIntervals {
		header = append(header, "level", "coverage", "median_rel_width")
	}
	cw.Write(header)
	row := func(m MethodReport, group string, lo, hi float64, s Stats, is *IntervalStats) {
		rec := []string{num(r.Window), m.Name, group, num(lo), num(hi),
			strconv.Itoa(s.Count), num(s.MeanARE), num(s.MedianARE)}
		switch {
		case is != nil:
			rec = append(rec, num(m.Interval.Level), num(is.Coverage), num(is.MedianWidth))
		case withIntervals:
			rec = append(rec, "", "", "")
		}
		cw.Write(rec)
	}
	for _, m := range r.Methods {
		var is *IntervalStats
		if m.Interval != nil {
			is = &m.Interval.Overall
		}
		row(m, "all", r.Deciles[0].Lo, r.Deciles[NumDeciles-1].Hi, m.Overall, is)
		for k, d := range r.Deciles {
			if m.Interval != nil {
				is = &m.Interval.Deciles[k]
			}
			row(m, strconv.Itoa(k+1), d.Lo, d.Hi, m.Deciles[k], is)
		}
	}
	cw.Flush()
	return cw.Error()
}

type jsonDecile struct {
	Lo          float64  `json:"lo"`
	Hi          float64  `json:"hi"`
	Count       int      `json:"count"`
	MeanARE     float64  `json:"mean_are"`
	MedianARE   float64  `json:"median_are"`
	Coverage    *float64 `json:"coverage,omitempty"`
	MedianWidth *float64 `json:"median_rel_width,omitempty"`
}

type jsonMethod struct {
	MeanARE     float64      `json:"mean_are"`
	MedianARE   float64      `json:"median_are"`
	Level       *float64     `json:"level,omitempty"`
	Coverage    *float64     `json:"coverage,omitempty"`
	MedianWidth *float64     `json:"median_rel_width,omitempty"`
	Deciles     []jsonDecile `json:"deciles"`
}

// WriteJSON writes the report as one indented JSON object
// {"window": T, "cascades": n, "methods": {name: M, ...}} followed by a
// newline, with the methods in report order (see JSON).
func (r *Report) WriteJSON(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"window":%s,"cascades":%d,"methods":{`, num(r.Window), len(r.Sizes))
	for i, m := range r.Methods {
		jm := jsonMethod{MeanARE: m.Overall.MeanARE, MedianARE: m.Overall.MedianARE}
		if iv := m.Interval; iv != nil {
			jm.Level, jm.Coverage, jm.MedianWidth = &iv.Level, &iv.Overall.Coverage, &iv.Overall.MedianWidth
		}
		for k, d := range r.Deciles {
			s := m.Deciles[k]
			jd := jsonDecile{Lo: d.Lo, Hi: d.Hi, Count: s.Count, MeanARE: s.MeanARE, MedianARE: s.MedianARE}
			if iv := m.Interval; iv != nil {
				jd.Coverage, jd.MedianWidth = &iv.Deciles[k].Coverage, &iv.Deciles[k].MedianWidth
			}
			jm.Deciles = append(jm.Deciles, jd)
		}
		key, err := json.Marshal(m.Name)
		if err != nil {
			return err
		}
		val, err := json.Marshal(jm)
		if err != nil {
			return fmt.Errorf("evaluate: encode method %q: %w", m.Name, err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteString("}}")
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return fmt.Errorf("evaluate: encode report: %w", err)
	}
	out.WriteByte('\n')
	_, err := out.WriteTo(w)
	return err
}

// String returns the report as a table.
func (r *Report) String() string {
	var b strings.Builder
	r.WriteTable(&b)
	return b.String()
}
