package train

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// The forest body, before compression (see the package doc):
//
//	uvarint  NFeatures
//	uvarint  number of trees T
//	8 bytes  Offset, float64 bits, little-endian
//	T x      uvarint node count of each tree
//	NFeatures x threshold table: uvarint K, then K uvarints: the first
//	         ordered key, then the (positive) differences between
//	         successive keys
//	codes    one uvarint per node, trees in order, nodes in preorder
//	         (a node, its left subtree, its right subtree): 0 for a leaf,
//	         j+1 for a split on feature j
//	splits   one uvarint per split node, in the same order: the index of
//	         its threshold in its feature's table
//	leaves   three planes of L bytes for the L leaves in the same order:
//	         bits 31-24, 23-16 and 15-8 of each leaf value's float32 bits
//
// An ordered key maps a float32 to a uint32 that sorts like the float:
// key = bits | 1<<31 for a positive sign bit, ^bits for a negative one.

// orderedKey maps a float32 to a uint32 with the same order.
func orderedKey(v float32) uint32 {
	b := math.Float32bits(v)
	if b>>31 != 0 {
		return ^b
	}
	return b | 1<<31
}

// fromOrderedKey inverts orderedKey.
func fromOrderedKey(k uint32) float32 {
	if k>>31 != 0 {
		return math.Float32frombits(k &^ (1 << 31))
	}
	return math.Float32frombits(^k)
}

// encodeForest returns the body encoding of f, which must be valid.
func encodeForest(f *Forest) []byte {
	// Threshold tables: the distinct thresholds of each feature, sorted.
	tables := make([][]uint32, f.NFeatures)
	nodes := 0
	for t := range f.Trees {
		nodes += len(f.Trees[t].Nodes)
		for _, n := range f.Trees[t].Nodes {
			if n.Feature >= 0 {
				tables[n.Feature] = append(tables[n.Feature], orderedKey(n.Value))
			}
		}
	}
	index := make([]map[uint32]int, f.NFeatures)
	for j := range tables {
		slices.Sort(tables[j])
		tables[j] = slices.Compact(tables[j])
		index[j] = make(map[uint32]int, len(tables[j]))
		for k, key := range tables[j] {
			index[j][key] = k
		}
	}

	b := binary.AppendUvarint(nil, uint64(f.NFeatures))
	b = binary.AppendUvarint(b, uint64(len(f.Trees)))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.Offset))
	for t := range f.Trees {
		b = binary.AppendUvarint(b, uint64(len(f.Trees[t].Nodes)))
	}
	for _, tab := range tables {
		b = binary.AppendUvarint(b, uint64(len(tab)))
		prev := uint32(0)
		for _, key := range tab {
			b = binary.AppendUvarint(b, uint64(key-prev))
			prev = key
		}
	}
	var splits []byte
	var leaves []uint32
	var stack []int32
	for t := range f.Trees {
		tn := f.Trees[t].Nodes
		stack = append(stack[:0], 0)
		for len(stack) > 0 {
			n := tn[stack[len(stack)-1]]
			stack = stack[:len(stack)-1]
			if n.Feature < 0 {
				b = append(b, 0)
				leaves = append(leaves, math.Float32bits(n.Value))
				continue
			}
			b = binary.AppendUvarint(b, uint64(n.Feature)+1)
			splits = binary.AppendUvarint(splits, uint64(index[n.Feature][orderedKey(n.Value)]))
			stack = append(stack, n.Left+1, n.Left)
		}
	}
	b = append(b, splits...)
	for _, shift := range []int{24, 16, 8} {
		for _, v := range leaves {
			b = append(b, byte(v>>shift))
		}
	}
	if q := f.Quantiles; q != nil {
		b = encodeQuantiles(b, f, q)
	}
	return b
}

// leafRanks returns, for each node of t, its rank among t's leaves in
// preorder (0 for a split node).
func leafRanks(t *Tree) []int32 {
	rank := make([]int32, len(t.Nodes))
	k := int32(0)
	stack := []int32{0}
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n := t.Nodes[j]; n.Feature >= 0 {
			stack = append(stack, n.Left+1, n.Left)
			continue
		}
		rank[j] = k
		k++
	}
	return rank
}

// encodeQuantiles appends the quantiles section (version 3, see the
// package doc) to b.
func encodeQuantiles(b []byte, f *Forest, q *Quantiles) []byte {
	b = binary.AppendUvarint(b, uint64(len(q.Y)))
	for _, v := range q.Y {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
	}
	for t := range f.Trees {
		for _, w := range q.InBag[t] {
			b = binary.AppendUvarint(b, uint64(w))
		}
	}
	for t := range f.Trees {
		rank := leafRanks(&f.Trees[t])
		for _, j := range q.Leaf[t] {
			if j >= 0 {
				b = binary.AppendUvarint(b, uint64(rank[j]))
			}
		}
	}
	return b
}

// decodeQuantiles reads the quantiles section of the forest f, whose trees
// are complete, from r.
func decodeQuantiles(r *byteReader, f *Forest) *Quantiles {
	// A row needs 4 bytes of target and a byte of count in each tree.
	n := int(r.uvarint(r.left()/(4+uint64(len(f.Trees))), "number of rows"))
	p := r.next(4*n, "targets")
	if r.err != nil {
		return nil
	}
	if n == 0 {
		r.fail("quantiles of no rows")
		return nil
	}
	q := &Quantiles{Y: make([]float64, n), InBag: make([][]int32, len(f.Trees)), Leaf: make([][]int32, len(f.Trees))}
	for i := range q.Y {
		q.Y[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:])))
	}
	for t := range f.Trees {
		w := make([]int32, n)
		for i := range w {
			w[i] = int32(r.uvarint(math.MaxInt32, "in-bag count"))
		}
		q.InBag[t] = w
	}
	for t := range f.Trees {
		nodes := f.Trees[t].Nodes
		var byRank []int32
		stack := []int32{0}
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if nd := nodes[j]; nd.Feature >= 0 {
				stack = append(stack, nd.Left+1, nd.Left)
				continue
			}
			byRank = append(byRank, j)
		}
		leaf := make([]int32, n)
		for i, w := range q.InBag[t] {
			leaf[i] = -1
			if w > 0 {
				k := r.uvarint(uint64(len(byRank)-1), "leaf rank")
				leaf[i] = byRank[k]
			}
		}
		q.Leaf[t] = leaf
	}
	if r.err != nil {
		return nil
	}
	if err := q.build(f); err != nil {
		r.fail("quantiles: %v", err)
		return nil
	}
	return q
}

// errBody is wrapped by the errors of decodeForest.
var errBody = errors.New("bad forest body")

// byteReader reads the body, remembering the first error.
type byteReader struct {
	b   []byte
	off int
	err error
}

func (r *byteReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w at byte %d: %s", errBody, r.off, fmt.Sprintf(format, args...))
	}
}

// uvarint reads a uvarint and checks that it is at most max.
func (r *byteReader) uvarint(max uint64, what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail("%s: bad or missing uvarint", what)
		return 0
	}
	r.off += n
	if v > max {
		r.fail("%s = %d, want at most %d", what, v, max)
		return 0
	}
	return v
}

func (r *byteReader) next(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b)-r.off {
		r.fail("%s: %d bytes wanted, %d left", what, n, len(r.b)-r.off)
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

// left returns the number of unread bytes.
func (r *byteReader) left() uint64 { return uint64(len(r.b) - r.off) }

// decodeForest decodes a body written by encodeForest, with the quantiles
// section when quantiles is set. The forest it returns has no Importance or
// OOBStats: the header holds them.
func decodeForest(b []byte, quantiles bool) (*Forest, error) {
	r := &byteReader{b: b}
	// Every count is checked against the bytes it needs before anything is
	// allocated for it, which bounds what corrupt counts allocate by a few
	// times len(b): a feature needs at least a byte (its table size) and a
	// threshold a byte; a tree of n nodes needs its node count, n codes,
	// (n-1)/2 split indexes and (n+1)/2 leaves of 3 bytes, so 3n+1 bytes
	// after the counts and at least 5 bytes in all.
	nf := int(r.uvarint(min(r.left(), math.MaxInt32), "number of features"))
	nt := int(r.uvarint(r.left()/5, "number of trees"))
	p := r.next(8, "offset")
	if r.err != nil {
		return nil, r.err
	}
	offset := math.Float64frombits(binary.LittleEndian.Uint64(p))
	if nf < 1 || nt < 1 {
		return nil, fmt.Errorf("%w: %d features, %d trees", errBody, nf, nt)
	}
	counts := make([]int, nt)
	total := 0
	for t := range counts {
		counts[t] = int(r.uvarint(min(r.left(), math.MaxInt32), "node count"))
		total += counts[t]
		if r.err == nil && (counts[t]%2 == 0 || 3*uint64(total) > r.left()) {
			r.fail("tree %d: %d nodes", t, counts[t])
		}
	}
	// The bytes the trees need after the tables.
	reserve := 3*uint64(total) + uint64(nt)
	tables := make([][]float32, nf)
	for j := range tables {
		k := int(r.uvarint(r.left()-min(reserve, r.left()), "table size"))
		if r.err != nil {
			return nil, r.err
		}
		tab := make([]float32, k)
		key := uint64(0)
		for i := range tab {
			d := r.uvarint(math.MaxUint32, "threshold key")
			key += d
			if r.err == nil && ((i > 0 && d == 0) || key > math.MaxUint32) {
				r.fail("feature %d: threshold keys not increasing", j)
			}
			tab[i] = fromOrderedKey(uint32(key))
			if r.err == nil && (math.IsNaN(float64(tab[i])) || math.IsInf(float64(tab[i]), 0)) {
				r.fail("feature %d: threshold %v", j, tab[i])
			}
		}
		tables[j] = tab
	}
	if r.err != nil {
		return nil, r.err
	}

	// Structure: rebuild each tree from its codes, allocating the children
	// of a split node as a pair when it is read, as Fit does.
	f := &Forest{NFeatures: nf, Offset: offset, Trees: make([]Tree, nt)}
	var stack []int32
	// visit lists the nodes of all trees in preorder, the order of the
	// splits and leaves sections.
	visit := make([]int32, 0, total)
	leaves := 0
	for t := range f.Trees {
		nodes := make([]Node, 1, counts[t])
		stack = append(stack[:0], 0)
		for len(stack) > 0 && r.err == nil {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			visit = append(visit, j)
			code := r.uvarint(uint64(nf), "node code")
			if code == 0 {
				nodes[j] = Node{Feature: -1}
				leaves++
				continue
			}
			if len(nodes)+2 > counts[t] {
				r.fail("tree %d has more than %d nodes", t, counts[t])
				break
			}
			left := int32(len(nodes))
			nodes[j] = Node{Feature: int32(code - 1), Left: left}
			nodes = append(nodes, Node{}, Node{})
			stack = append(stack, left+1, left)
		}
		if r.err == nil && len(nodes) != counts[t] {
			r.fail("tree %d has %d nodes, want %d", t, len(nodes), counts[t])
		}
		if r.err != nil {
			return nil, r.err
		}
		f.Trees[t].Nodes = nodes
	}
	v := 0
	for t := range f.Trees {
		nodes := f.Trees[t].Nodes
		for _, j := range visit[v : v+len(nodes)] {
			if n := &nodes[j]; n.Feature >= 0 {
				tab := tables[n.Feature]
				k := r.uvarint(uint64(max(len(tab)-1, 0)), "threshold index")
				if r.err == nil && len(tab) == 0 {
					r.fail("feature %d has no thresholds", n.Feature)
				}
				if r.err != nil {
					return nil, r.err
				}
				n.Value = tab[k]
			}
		}
		v += len(nodes)
	}
	planes := r.next(3*leaves, "leaf values")
	if r.err != nil {
		return nil, r.err
	}
	if quantiles {
		f.Quantiles = decodeQuantiles(r, f)
		if r.err != nil {
			return nil, r.err
		}
	}
	if r.left() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the forest", errBody, r.left())
	}
	k, v := 0, 0
	for t := range f.Trees {
		nodes := f.Trees[t].Nodes
		for _, j := range visit[v : v+len(nodes)] {
			if n := &nodes[j]; n.Feature < 0 {
				bits := uint32(planes[k])<<24 | uint32(planes[leaves+k])<<16 | uint32(planes[2*leaves+k])<<8
				n.Value = math.Float32frombits(bits)
				if math.IsNaN(float64(n.Value)) || math.IsInf(float64(n.Value), 0) {
					return nil, fmt.Errorf("%w: tree %d node %d: leaf value %v", errBody, t, j, n.Value)
				}
				k++
			}
		}
		v += len(nodes)
	}
	return f, nil
}
