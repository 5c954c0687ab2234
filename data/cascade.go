package data

// Cascade is one original tweet and its retweets: event times in seconds since
// the original tweet (non-decreasing, Times[0] is the original) and the
// magnitude (follower count) of each event.
type Cascade struct {
	// ID names the cascade: the index file's id column, or the 1-based row
	// number of the cascade in the index when there is no id column.
	ID string
	// Start is the absolute start time of the cascade in seconds, taken from
	// the index (post_time_day is converted from days), when HasStart is true.
	Start    float64
	HasStart bool
	// Times and Mags have one entry per event. The loader hands out
	// sub-slices of shared backing arrays: callers must not append to them.
	Times []float64
	Mags  []float64
}

// Len returns the number of events of the cascade, which is its final size N.
func (c *Cascade) Len() int { return len(c.Times) }

// Window returns the number of events observed up to and including time T,
// that is the number of leading events with Times[i] <= T.
func (c *Cascade) Window(T float64) int {
	lo, hi := 0, len(c.Times)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if c.Times[mid] <= T {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
