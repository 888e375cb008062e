package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	docs "github.com/urfave/cli-docs/v3"
	"github.com/urfave/cli/v3"
)

// TestManPage: the man page is generated from the command tree, so it lists every visible
// command and subcommand with its flags, and only those.
func TestManPage(t *testing.T) {
	var out, errb bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &errb, func(string) (string, bool) { return "", false })
	if code := a.run(context.Background(), []string{"leasefile", "docs", "-format", "man"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	man := out.String()
	if !strings.HasPrefix(man, ".nh\n.TH leasefile 1") {
		t.Errorf("not a section 1 man page:\n%.200s", man)
	}
	for _, c := range a.command().Commands {
		if c.Hidden {
			if strings.Contains(man, "\n.SH "+c.Name) || strings.Contains(man, "\n.SS "+c.Name+"\n") {
				t.Errorf("hidden command %s is in the man page", c.Name)
			}
			continue
		}
		if !strings.Contains(man, "\n.SH "+c.Name+"\n") {
			t.Errorf("man page lacks command %s", c.Name)
		}
		for _, s := range c.Commands {
			if !strings.Contains(man, "\n.SS "+s.Name+"\n") {
				t.Errorf("man page lacks command %s %s", c.Name, s.Name)
			}
		}
	}
	for _, want := range []string{"\n.SH completion\n", "--check", "--format", "--detailed-exitcode"} {
		if !strings.Contains(man, want) {
			t.Errorf("man page lacks %s", want)
		}
	}
}

// TestDocsAreCliDocs holds the pages leasefile writes itself to urfave/cli-docs' (which went
// through go-md2man and blackfriday, linked into every leasefile process for this one hidden
// command): the markdown byte for byte, the man page word for word once roff's requests and
// font escapes are taken out.
func TestDocsAreCliDocs(t *testing.T) {
	a := newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, func(string) (string, bool) { return "", false })
	root := a.command()
	md, err := markdownPage(root)
	if err != nil {
		t.Fatal(err)
	}
	wantMD, err := docs.ToMarkdown(root)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantMD, md); diff != "" {
		t.Errorf("markdown (-cli-docs +leasefile):\n%s", diff)
	}
	wantMan, err := docs.ToManWithSection(root, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(roffWords(wantMan), roffWords(manPage(root))); diff != "" {
		t.Errorf("man page words (-cli-docs +leasefile):\n%s", diff)
	}
}

// roffWords is the text a man page prints, as words: request lines dropped, escapes resolved.
func roffWords(page string) []string {
	var text []string
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, ".") {
			if name, arg, ok := strings.Cut(line, " "); ok && (name == ".SH" || name == ".SS" || name == ".TH") {
				text = append(text, arg)
			}
			continue
		}
		text = append(text, line)
	}
	r := strings.NewReplacer(`\fB`, "", `\fP`, "", `\fR`, "", `\fI`, "", `\fC`, "", `\e`, `\`, `\-`, "-", `\&`, "", `\(aq`, "'", `\(ga`, "`")
	return strings.Fields(r.Replace(strings.Join(text, "\n")))
}

// TestManPageEscapes: text that roff would read as a request or an escape prints as itself.
func TestManPageEscapes(t *testing.T) {
	root := &cli.Command{Name: "x", Usage: `a \n b`, Description: ".TH not a title\n'quoted\nback\\slash `code`\n  .literal"}
	man := manPage(root)
	for _, want := range []string{"x \\- a \\en b\n", "\n\\&.TH not a title\n\\&'quoted\nback\\eslash \\fBcode\\fP\n.RS\n.nf\n  .literal\n"} {
		if !strings.Contains(man, want) {
			t.Errorf("man page lacks %q:\n%s", want, man)
		}
	}
}
