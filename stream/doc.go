// Package stream is the streaming pipeline of SPEC section 6 on Kafka,
// through github.com/IBM/sarama: a reader replays a data set as live
// retweets, fitters predict each cascade's final size once per observation
// window, a trainer learns a forest per window from finished cascades, and
// an alerts role reports the cascades predicted to grow large. By default
// everything runs in one process against an embedded broker
// (github.com/twmb/franz-go/pkg/kfake, real wire protocol on 127.0.0.1);
// every role also runs on its own against any brokers.
package stream
