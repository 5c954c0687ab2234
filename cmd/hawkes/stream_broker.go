package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hawkes-toolkit/hawkes/stream"
)

// BrokerOptions are the options of hawkes stream broker.
type BrokerOptions struct {
	IO     *ioStreams
	Conn   *ConnOptions
	Broker stream.BrokerOptions
}

// newStreamBrokerCmd returns hawkes stream broker; runF, when not nil,
// replaces runStreamBroker.
func newStreamBrokerCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *BrokerOptions) error) *cobra.Command {
	opts := &BrokerOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "broker [--ports 9092,9093,9094] [--state-dir DIR]",
		Short: "Run the embedded Kafka-protocol broker alone (one to three brokers), with the topics created",
		Long: `Run the embedded Kafka-protocol broker (github.com/twmb/franz-go/pkg/kfake)
on 127.0.0.1 until stopped, with one broker per --ports entry (free ports
when none is given; then --brokers-count brokers), and create the pipeline's
topics on it. Its addresses are written to standard output as one line,
host:port,..., ready for the --brokers flag of the roles. With --state-dir
the topics and committed offsets survive a restart.`,
		Example: `  hawkes stream broker --ports 9092,9093,9094 --state-dir /tmp/hawkes-broker`,
		Args:    noArgs,
		RunE:    streamRunE(opts, runF, runStreamBroker),
	}
	f := cmd.Flags()
	f.IntSliceVar(&opts.Broker.Ports, "ports", nil, "TCP `PORTS` on 127.0.0.1, one broker each, comma-separated (default: free ports)")
	f.IntVar(&opts.Broker.Brokers, "brokers-count", stream.DefaultBrokers, "brokers to start on free ports when --ports is not given (1 to 3)")
	f.StringVar(&opts.Broker.StateDir, "state-dir", "", "keep topics and committed offsets in `DIR` across restarts")
	return cmd
}

// Validate checks the flags; package stream holds the rules of the broker's
// options.
func (o *BrokerOptions) Validate() error {
	if err := o.Conn.Validate(); err != nil {
		return err
	}
	if len(o.Conn.Client.Brokers) > 0 {
		return errors.New("the broker command starts brokers: --brokers cannot be used with it")
	}
	return o.Broker.Validate()
}

// runStreamBroker runs the embedded broker until ctx is done.
func runStreamBroker(ctx context.Context, opts *BrokerOptions) error {
	log := opts.Conn.logger(opts.IO.ErrOut)
	b, err := stream.StartBroker(opts.Broker)
	if err != nil {
		return err
	}
	defer b.Close()
	c := opts.Conn.client()
	c.Brokers = b.Addrs()
	if err := stream.EnsureTopics(ctx, c, opts.Conn.Topics, log); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, strings.Join(b.Addrs(), ","))
	log.Info("embedded broker ready", "addrs", b.Addrs(), "state_dir", opts.Broker.StateDir)
	<-ctx.Done()
	log.Info("embedded broker stopping")
	return nil
}
