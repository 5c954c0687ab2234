package convert

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ReadFollowers reads a followers file: CSV rows account,count (an account
// id or DID, and its follower count), with an optional header row whose
// second field is not a number. name is used in errors. A count that is
// not a finite number >= 0, a row of another width, or an account given
// twice is an error naming the line.
func ReadFollowers(r io.Reader, name string) (map[string]float64, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 2
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	out := map[string]float64{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read followers %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		acct, val := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		v, err := strconv.ParseFloat(val, 64)
		if err != nil && first {
			continue // a header
		}
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("read followers %s line %d: count %q is not a count", name, line, val)
		}
		if acct == "" {
			return nil, fmt.Errorf("read followers %s line %d: empty account", name, line)
		}
		if _, dup := out[acct]; dup {
			return nil, fmt.Errorf("read followers %s line %d: account %q given twice", name, line, acct)
		}
		out[acct] = v
	}
	return out, nil
}
