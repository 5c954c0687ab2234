package data_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hawkes-toolkit/hawkes/data"
)

func ExampleReadEvents() {
	index, err := data.ReadIndex(strings.NewReader("id,start_ind,end_ind\nRT1,1,3\nRT2,4,5\n"), "index.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	events := "time,magnitude\n0,90\n292,433344\n300,0\n0,12\n7,5\n"
	cs, err := data.ReadEvents(context.Background(), strings.NewReader(events), "data.csv", index)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cs {
		fmt.Println(c.ID, c.Len(), c.Times, c.Mags)
	}
	// Output:
	// RT1 3 [0 292 300] [90 433344 0]
	// RT2 2 [0 7] [12 5]
}

func ExampleParseError() {
	_, err := data.ReadSingleFrom(strings.NewReader("time,magnitude\n0,10\n30,1\n12,4\n"), "RT5.csv")
	var pe *data.ParseError
	if errors.As(err, &pe) && errors.Is(err, data.ErrBackwards) {
		fmt.Println(pe.File, pe.Line, pe.Column)
	}
	fmt.Println(err)
	// Output:
	// RT5.csv 4 time
	// RT5.csv line 4 column time: time goes backwards inside cascade RT5 (12 after 30)
}

func ExampleWrite() {
	cs := []data.Cascade{
		{ID: "a", Start: 43200, HasStart: true, Times: []float64{0, 1.5}, Mags: []float64{1e6, 0}},
		{ID: "b", Start: 86400, HasStart: true, Times: []float64{0}, Mags: []float64{3}},
	}
	if err := data.Write(os.Stdout, os.Stdout, cs); err != nil {
		fmt.Println(err)
	}
	// Output:
	// time,magnitude
	// 0,1000000
	// 1.5,0
	// 0,3
	// id,post_time_day,start_ind,end_ind
	// a,0.5,1,2
	// b,1,3,3
}
