package data

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
)

// Validate checks that the cascade could be written and read back: Times and
// Mags have the same, non-zero length; every value is finite and
// non-negative; times do not decrease; and Start is finite when HasStart.
// The error wraps ErrLength, ErrNoEvents, ErrNotFinite, ErrNegative or
// ErrBackwards.
func (c *Cascade) Validate() error {
	if len(c.Times) != len(c.Mags) {
		return fmt.Errorf("cascade %s: %w (%d times, %d magnitudes)", c.ID, ErrLength, len(c.Times), len(c.Mags))
	}
	if len(c.Times) == 0 {
		return fmt.Errorf("cascade %s: %w", c.ID, ErrNoEvents)
	}
	if c.HasStart && !isFinite(c.Start) {
		return fmt.Errorf("cascade %s start: %w (%v)", c.ID, ErrNotFinite, c.Start)
	}
	for i, t := range c.Times {
		m := c.Mags[i]
		switch {
		case !isFinite(t):
			return fmt.Errorf("cascade %s event %d time: %w (%v)", c.ID, i+1, ErrNotFinite, t)
		case !isFinite(m):
			return fmt.Errorf("cascade %s event %d magnitude: %w (%v)", c.ID, i+1, ErrNotFinite, m)
		case t < 0:
			return fmt.Errorf("cascade %s event %d time: %w (%s)", c.ID, i+1, ErrNegative, formatFloat(t))
		case m < 0:
			return fmt.Errorf("cascade %s event %d magnitude: %w (%s)", c.ID, i+1, ErrNegative, formatFloat(m))
		case i > 0 && t < c.Times[i-1]:
			return fmt.Errorf("cascade %s event %d: %w (%s after %s)", c.ID, i+1, ErrBackwards, formatFloat(t), formatFloat(c.Times[i-1]))
		}
	}
	return nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Write writes cascades in the two-file layout that Load reads: dataW gets
// the header time,magnitude and one row per event, the cascades one after
// another; indexW gets the header id,start_ind,end_ind and one row per
// cascade. When every cascade has a start time, the index also has a start
// column: post_time_day when every start, divided by 86400, reads back as
// exactly the same number of seconds, and start_time (seconds) otherwise.
//
// Numbers are written so that reading them back gives the same float64:
// whole numbers as integers (1000000, not 1e+06), others in the shortest
// strconv 'g' form. An id that has a comma, a quote, or spaces at either end
// is quoted.
//
// Every cascade must pass Validate, and ids must be non-empty, unique, and
// free of line breaks; otherwise Write writes nothing and returns an error.
func Write(dataW, indexW io.Writer, cs []Cascade) error {
	return WriteOptions{}.Write(dataW, indexW, cs)
}

// WriteOptions choose how Write lays out the files.
type WriteOptions struct {
	// StartSeconds writes the start times, when every cascade has one, as
	// a post_time column in seconds (Unix seconds for converted posts),
	// rather than post_time_day. Readers of the layout take either (see
	// ReadIndex); readers that know only post_time_day ignore the column.
	StartSeconds bool
}

// Write is Write with the options o.
func (o WriteOptions) Write(dataW, indexW io.Writer, cs []Cascade) error {
	seen := make(map[string]int, len(cs))
	allStart := len(cs) > 0
	for i := range cs {
		c := &cs[i]
		if err := c.Validate(); err != nil {
			return fmt.Errorf("write cascades: %w", err)
		}
		if c.ID == "" || strings.ContainsAny(c.ID, "\r\n") {
			return fmt.Errorf("write cascades: cascade %d: %w %q", i+1, ErrBadID, c.ID)
		}
		if j, dup := seen[c.ID]; dup {
			return fmt.Errorf("write cascades: cascade %d: %w %q (also cascade %d)", i+1, ErrDuplicateID, c.ID, j+1)
		}
		seen[c.ID] = i
		allStart = allStart && c.HasStart
	}
	days := allStart && !o.StartSeconds
	if days {
		for i := range cs {
			if _, ok := startDays(cs[i].Start); !ok {
				days = false
				break
			}
		}
	}

	bw := bufio.NewWriterSize(dataW, 64<<10)
	bw.WriteString("time,magnitude\n")
	for i := range cs {
		writeEvents(bw, &cs[i])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write cascade events: %w", err)
	}

	bw = bufio.NewWriter(indexW)
	switch {
	case days:
		bw.WriteString("id,post_time_day,start_ind,end_ind\n")
	case allStart && o.StartSeconds:
		bw.WriteString("id,post_time,start_ind,end_ind\n")
	case allStart:
		bw.WriteString("id,start_time,start_ind,end_ind\n")
	default:
		bw.WriteString("id,start_ind,end_ind\n")
	}
	var b []byte
	row := 1
	for i := range cs {
		c := &cs[i]
		b = appendID(b[:0], c.ID)
		b = append(b, ',')
		switch {
		case days:
			d, _ := startDays(c.Start)
			b = appendFloat(b, d)
			b = append(b, ',')
		case allStart:
			b = appendFloat(b, c.Start)
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(row), 10)
		b = append(b, ',')
		row += len(c.Times)
		b = strconv.AppendInt(b, int64(row-1), 10)
		b = append(b, '\n')
		bw.Write(b)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write cascade index: %w", err)
	}
	return nil
}

// writeEvents writes the rows of c. Errors stick in bw and come out of Flush.
func writeEvents(bw *bufio.Writer, c *Cascade) {
	var buf [64]byte
	for i, t := range c.Times {
		b := appendFloat(buf[:0], t)
		b = append(b, ',')
		b = appendFloat(b, c.Mags[i])
		b = append(b, '\n')
		bw.Write(b)
	}
}

// startDays returns a number of days d that the reader turns back into
// exactly start seconds (d*86400 == start), if there is one near start/86400.
func startDays(start float64) (float64, bool) {
	d := start / secondsPerDay
	up, down := d, d
	for range 4 {
		if up*secondsPerDay == start {
			return up, true
		}
		if down*secondsPerDay == start {
			return down, true
		}
		up, down = math.Nextafter(up, math.Inf(1)), math.Nextafter(down, math.Inf(-1))
	}
	return 0, false
}

// appendID appends id, quoted when the reader would otherwise change it.
func appendID(b []byte, id string) []byte {
	if !strings.ContainsAny(id, `,"`) && !isSpace(id[0]) && !isSpace(id[len(id)-1]) {
		return append(b, id...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(id, `"`, `""`)...)
	return append(b, '"')
}

// WriteDir writes cascades as dir/data.csv and dir/index.csv (see Write),
// creating dir if needed. The pair is written with atomicfile.WriteDir: both
// files are complete before either replaces its target, and a failed write
// leaves dir as it was, with no partial or temporary file.
func WriteDir(dir string, cs []Cascade) error {
	return WriteDirOptions(dir, cs, WriteOptions{})
}

// WriteDirOptions is WriteDir with the options o.
func WriteDirOptions(dir string, cs []Cascade, o WriteOptions) error {
	return atomicfile.WriteDir(dir, []string{"data.csv", "index.csv"}, func(ws []io.Writer) error {
		return o.Write(ws[0], ws[1], cs)
	})
}
