package broker

import (
	"os"
	"strings"
	"testing"
)

func TestDistrictACLFileIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../../configs/center/acl")
	if err != nil {
		t.Fatalf("read committed acl: %v", err)
	}
	if want := DistrictACL(); string(got) != want {
		t.Fatalf("configs/center/acl differs from broker.DistrictACL(); regenerate it with `safehub-center acl > configs/center/acl`\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestACLAllowed(t *testing.T) {
	acl, err := ParseACL(strings.NewReader(DistrictACL()))
	if err != nil {
		t.Fatalf("parse district acl: %v", err)
	}
	tests := []struct {
		name, user, topic string
		write, want       bool
	}{
		{name: "box writes own alarm", user: "home-a", topic: "safehub/v1/home-a/alarm", write: true, want: true},
		{name: "box writes own reply", user: "home-a", topic: "safehub/v1/home-a/cmd/reply", write: true, want: true},
		{name: "box writes other home's alarm", user: "home-b", topic: "safehub/v1/home-a/alarm", write: true},
		{name: "box writes own cmd", user: "home-a", topic: "safehub/v1/home-a/cmd", write: true},
		{name: "box writes other home's cmd", user: "home-a", topic: "safehub/v1/home-b/cmd", write: true},
		{name: "box reads own cmd", user: "home-a", topic: "safehub/v1/home-a/cmd", want: true},
		{name: "box reads other home's cmd", user: "home-a", topic: "safehub/v1/home-b/cmd"},
		{name: "box subscribes to every cmd", user: "home-a", topic: "safehub/v1/+/cmd"},
		{name: "box subscribes to everything", user: "home-a", topic: "#"},
		{name: "box reads other home's alarms", user: "home-a", topic: "safehub/v1/home-b/alarm"},
		{name: "center reads all alarms", user: CenterUser, topic: "safehub/v1/+/alarm", want: true},
		{name: "center shared subscription", user: CenterUser, topic: "$share/safehub-center/safehub/v1/+/alarm", want: true},
		{name: "center writes cmd", user: CenterUser, topic: "safehub/v1/home-a/cmd", write: true, want: true},
		{name: "center writes an alarm", user: CenterUser, topic: "safehub/v1/home-a/alarm", write: true},
		{name: "wildcard user name", user: "+", topic: "safehub/v1/+/alarm", write: true},
		{name: "nobody reads sys", user: "home-a", topic: "$SYS/broker/clients"},
		{name: "center writes its status", user: CenterUser, topic: "safehub/v1/_center", write: true, want: true},
		{name: "box reads the center status", user: "home-a", topic: "safehub/v1/_center", want: true},
		{name: "box writes the center status", user: "home-a", topic: "safehub/v1/_center", write: true},
		{name: "box named _center writes it", user: "_center", topic: "safehub/v1/_center", write: true},
		{name: "box writes a status below it", user: "home-a", topic: "safehub/v1/_center/status", write: true},
		{name: "anonymous reads the center status", user: "", topic: "safehub/v1/_center"},
		{name: "anonymous writes the center status", user: "", topic: "safehub/v1/_center", write: true},
		{name: "box subscribes below the center topic", user: "home-a", topic: "safehub/v1/_center/#"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := acl.Allowed(tt.user, "cid", tt.topic, tt.write); got != tt.want {
				t.Errorf("Allowed(%q, %q, write=%v) = %v, want %v", tt.user, tt.topic, tt.write, got, tt.want)
			}
		})
	}
}

func TestParseACLErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "unknown keyword", in: "user a\nallow all\n", want: "acl line 2: unknown keyword"},
		{name: "topic before user", in: "topic read a/b\n", want: "acl line 1: topic before any user"},
		{name: "two filters", in: "pattern read a b\n", want: "acl line 1: pattern"},
		{name: "empty user", in: "user\n", want: "acl line 1: user needs a name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseACL(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseACL: got %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func FuzzParseACL(f *testing.F) {
	f.Add(DistrictACL())
	f.Add("user a\ntopic readwrite #\npattern write x/%u/%c\n")
	f.Fuzz(func(t *testing.T, in string) {
		acl, err := ParseACL(strings.NewReader(in))
		if err != nil {
			return
		}
		acl.Allowed("home-a", "c", "safehub/v1/home-a/alarm", true)
		acl.Allowed("x", "y", "$share/g/a/+/#", false)
	})
}
