package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/cloud"
	"github.com/google/go-cmp/cmp"
)

func TestHandoffQuoting(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"hcl template", hclString("a ${b} %{c}"), `"a $${b} %%{c}"`},
		{"hcl quote", hclString(`say "hi"`), `"say \"hi\""`},
		// A line break would end the value and let the rest forge another output.
		{"github newline", githubLine("x", "a\nmalicious=1"), "x<<LEASEFILE_EOF\na\nmalicious=1\nLEASEFILE_EOF"},
		{"github delimiter in value", githubLine("x", "a\nLEASEFILE_EOF"), "x<<LEASEFILE_EOF_\na\nLEASEFILE_EOF\nLEASEFILE_EOF_"},
		{"env name digit", handoffName([]string{"2nd", "gpu-a", "id"}, true), "_2ND_GPU_A_ID"},
		{"tf name", handoffName([]string{"exp", "ip", "addresses"}, false), "exp_ip_addresses"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestHandoffNameCollision(t *testing.T) {
	vals := []outputValue{{[]string{"a-b", "id"}, "1"}, {[]string{"a_b", "id"}, "2"}}
	var b bytes.Buffer
	err := writeHandoff(&b, "env", vals)
	if err == nil || !strings.Contains(err.Error(), "a-b.id and a_b.id both make the name A_B_ID") {
		t.Fatalf("err = %v, want a collision naming both", err)
	}
	if b.Len() != 0 {
		t.Errorf("wrote %q before refusing", b.String())
	}
}

// TestResourceListerForbidden: a site whose policy refuses allocation listings (Blazar's
// default for members) gets one warning per kind, and the outputs leave the field out.
func TestResourceListerForbidden(t *testing.T) {
	var errb bytes.Buffer
	a := newApp(strings.NewReader(""), &bytes.Buffer{}, &errb, nil)
	l := &resourceLister{a: a, site: &cloud.Site{Name: "CHI@UC"}, denied: map[string]bool{}}
	denied := &blazar.Error{Kind: blazar.Forbidden, Message: "Policy doesn't allow blazar:oshosts:get_allocations to be performed"}
	for range 2 { // warned once
		if !l.forbidden("host allocations", denied) {
			t.Fatal("a Forbidden error was not taken as a refusal")
		}
	}
	if l.forbidden("host allocations", &blazar.Error{Kind: blazar.Transient, Message: "503"}) {
		t.Error("a transient error was taken as a refusal")
	}
	want := "leasefile: warning: CHI@UC does not let this project list host allocations (Policy doesn't allow blazar:oshosts:get_allocations to be performed): the outputs leave them out\n"
	if diff := cmp.Diff(want, errb.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}
