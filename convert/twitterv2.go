package convert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// v2Tweet holds the fields of a Twitter API v2 tweet that conversion
// reads. Author and the tweets inside Referenced are filled only in
// tweets flattened by twarc2 (twarc2 flatten), which copies the included
// users and tweets into the tweets that refer to them.
type v2Tweet struct {
	ID         string  `json:"id"`
	CreatedAt  string  `json:"created_at"`
	AuthorID   string  `json:"author_id"`
	Author     *v2User `json:"author"`
	Referenced []v2Ref `json:"referenced_tweets"`
}

type v2Ref struct {
	Type string `json:"type"` // retweeted, quoted or replied_to
	v2Tweet
}

type v2User struct {
	ID            string `json:"id"`
	PublicMetrics *struct {
		Followers *float64 `json:"followers_count"`
	} `json:"public_metrics"`
}

// v2Response is a page of the API as twarc2 writes it, one per line:
// data is one tweet (stream) or a list (search, timelines), includes
// holds the expanded users and referenced tweets.
type v2Response struct {
	Data     json.RawMessage `json:"data"`
	Includes struct {
		Users  []v2User  `json:"users"`
		Tweets []v2Tweet `json:"tweets"`
	} `json:"includes"`
	Errors json.RawMessage `json:"errors"`
	ID     string          `json:"id"` // a flattened tweet has one at the top
}

// v2Compliance is a compliance-stream delete event.
type v2Compliance struct {
	Delete *struct {
		Tweet struct {
			ID string `json:"id"`
		} `json:"tweet"`
	} `json:"delete"`
}

// DecodeTwitterV2 decodes one line of Twitter API v2 JSON as twarc2
// writes it: a response page ({"data": tweet or [tweets], "includes":
// {"users", "tweets"}}) or a flattened tweet (twarc2 flatten). A tweet
// whose referenced_tweets has type retweeted is a repost of that tweet,
// found in includes.tweets (or inline, flattened); replied_to makes a
// reply, quoted a quote. Times are created_at; magnitudes the author's
// public_metrics.followers_count from includes.users (or inline). A
// compliance delete event ({"data": {"delete": {"tweet": ...}}}) is a
// delete; a line with only errors is skipped.
func DecodeTwitterV2(line []byte, dst []Post) ([]Post, error) {
	var r v2Response
	if err := json.Unmarshal(line, &r); err != nil {
		return dst, fmt.Errorf("not a JSON object: %w", err)
	}
	data := bytes.TrimSpace(r.Data)
	switch {
	case len(data) == 0 || string(data) == "null":
		if r.ID != "" { // a flattened tweet
			var t v2Tweet
			if err := json.Unmarshal(line, &t); err != nil {
				return dst, err
			}
			return v2Posts(dst, []v2Tweet{t}, nil, nil)
		}
		if len(r.Errors) > 0 {
			return append(dst, Post{Kind: KindOther, Reason: "error response"}), nil
		}
		return dst, errors.New("neither a response (no data) nor a tweet (no id)")
	case data[0] == '[':
		var ts []v2Tweet
		if err := json.Unmarshal(data, &ts); err != nil {
			return dst, fmt.Errorf("data: %w", err)
		}
		return v2Posts(dst, ts, r.Includes.Users, r.Includes.Tweets)
	default:
		var c v2Compliance
		if err := json.Unmarshal(data, &c); err == nil && c.Delete != nil {
			if c.Delete.Tweet.ID == "" {
				return dst, errors.New("delete event without a tweet id")
			}
			return append(dst, Post{Kind: KindDelete, ID: c.Delete.Tweet.ID}), nil
		}
		var t v2Tweet
		if err := json.Unmarshal(data, &t); err != nil {
			return dst, fmt.Errorf("data: %w", err)
		}
		return v2Posts(dst, []v2Tweet{t}, r.Includes.Users, r.Includes.Tweets)
	}
}

// v2Posts appends the posts of tweets, looking users and referenced
// tweets up in the includes.
func v2Posts(dst []Post, tweets []v2Tweet, users []v2User, included []v2Tweet) ([]Post, error) {
	byUser := make(map[string]*v2User, len(users))
	for i := range users {
		byUser[users[i].ID] = &users[i]
	}
	byTweet := make(map[string]*v2Tweet, len(included))
	for i := range included {
		byTweet[included[i].ID] = &included[i]
	}
	for i := range tweets {
		t := &tweets[i]
		if t.ID == "" {
			return dst, fmt.Errorf("tweet %d of the line has no id", i+1)
		}
		p, err := t.post(byUser)
		if err != nil {
			return dst, err
		}
		p.Kind = KindPost
		for _, ref := range t.Referenced {
			switch ref.Type {
			case "replied_to":
				p.Reply = true
			case "quoted":
				p.Quote = true
			case "retweeted":
				if ref.ID == "" {
					return dst, fmt.Errorf("tweet %s: retweeted reference without an id", t.ID)
				}
				p.Kind = KindRepost
				p.Orig = Original{ID: ref.ID}
				o := &ref.v2Tweet
				if inc, ok := byTweet[ref.ID]; ok {
					o = inc
				}
				if o.CreatedAt != "" {
					op, err := o.post(byUser)
					if err != nil {
						return dst, fmt.Errorf("tweet %s: retweeted %w", t.ID, err)
					}
					p.Orig = Original{ID: ref.ID, Time: op.Time, HasTime: true, Account: op.Account,
						Followers: op.Followers, HasFollowers: op.HasFollowers}
				}
			}
		}
		if p.Kind == KindRepost {
			p.Reply, p.Quote = false, false
		}
		dst = append(dst, p)
	}
	return dst, nil
}

// post returns the id, time, account and followers of t.
func (t *v2Tweet) post(users map[string]*v2User) (Post, error) {
	p := Post{ID: t.ID, Account: t.AuthorID}
	if t.CreatedAt == "" {
		return p, fmt.Errorf("tweet %s has no created_at", t.ID)
	}
	ts, err := time.Parse(time.RFC3339, t.CreatedAt)
	if err != nil {
		return p, fmt.Errorf("tweet %s: created_at %q is not a time", t.ID, t.CreatedAt)
	}
	if p.Time = wholeSeconds(ts); p.Time < 0 || p.Time > maxPlausible {
		return p, fmt.Errorf("tweet %s: created_at %q is out of range", t.ID, t.CreatedAt)
	}
	u := t.Author
	if u == nil {
		u = users[t.AuthorID]
	}
	if u != nil && u.PublicMetrics != nil && u.PublicMetrics.Followers != nil {
		f, err := followerCount(*u.PublicMetrics.Followers)
		if err != nil {
			return p, fmt.Errorf("tweet %s: author %w", t.ID, err)
		}
		p.Followers, p.HasFollowers = f, true
		if p.Account == "" {
			p.Account = u.ID
		}
	}
	return p, nil
}
