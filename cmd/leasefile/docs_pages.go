package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/urfave/cli/v3"
)

// markdownTemplate is urfave/cli-docs v3's markdown.md.gotmpl, for section 0 (no man header).
const markdownTemplate = `# NAME

{{ .Command.Name }}{{ if .Command.Usage }} - {{ .Command.Usage }}{{ end }}

# SYNOPSIS

{{ .Command.Name }}
{{ if .SynopsisArgs }}
` + "```" + `
{{ range $v := .SynopsisArgs }}{{ $v }}{{ end }}` + "```" + `
{{ end }}{{ if .Command.Description }}
# DESCRIPTION

{{ .Command.Description }}
{{ end }}
**Usage**:

` + "```" + `{{ if .Command.UsageText }}
{{ .Command.UsageText }}
{{ else }}
{{ .Command.Name }} [GLOBAL OPTIONS] [command [COMMAND OPTIONS]] [ARGUMENTS...]
{{ end }}` + "```" + `
{{ if .GlobalArgs }}
# GLOBAL OPTIONS
{{ range $v := .GlobalArgs }}
{{ $v }}{{ end }}
{{ end }}{{ if .Commands }}
# COMMANDS
{{ range $v := .Commands }}
{{ $v }}{{ end }}{{ end -}}`

// markdownPage is the markdown reference, as urfave/cli-docs' ToMarkdown writes it.
func markdownPage(root *cli.Command) (string, error) {
	t, err := template.New("cli").Parse(markdownTemplate)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = t.Execute(&b, map[string]any{
		"Command":      root,
		"Commands":     markdownCommands(root.Commands, 0),
		"GlobalArgs":   flagLines(root.VisibleFlags(), ", ", "**", "**", `""`, true),
		"SynopsisArgs": flagLines(root.VisibleFlags(), "|", "[", "]", "[value]", false),
	})
	return b.String(), err
}

// markdownCommands is each visible command, depth first, under a heading of its level.
func markdownCommands(commands []*cli.Command, level int) []string {
	var out []string
	for _, c := range commands {
		if c.Hidden {
			continue
		}
		usageText := ""
		if text := strings.Trim(c.UsageText, "\n"); strings.Contains(text, "\n") {
			for _, line := range strings.Split(text, "\n") {
				usageText += "    " + line + "\n"
			}
		} else if text != "" {
			usageText = ">" + text + "\n"
		}
		usage := ""
		if c.Usage != "" {
			usage = c.Usage + "\n"
			if usageText != "" {
				usage += "\n"
			}
		}
		s := fmt.Sprintf("%s %s\n\n%s%s", strings.Repeat("#", level+2), strings.Join(c.Names(), ", "), usage, usageText)
		if flags := flagLines(c.VisibleFlags(), ", ", "**", "**", `""`, true); len(flags) > 0 {
			s += "\n" + strings.Join(flags, "\n")
		}
		out = append(append(out, s), markdownCommands(c.Commands, level+1)...)
	}
	return out
}

// flagLines are the flags as cli-docs lists them, sorted: every name between open and
// close, then =value when the flag takes one, then with details its usage and default.
func flagLines(flags []cli.Flag, sep, open, close, value string, details bool) []string {
	var out []string
	for _, f := range flags {
		df, ok := f.(cli.DocGenerationFlag)
		if !ok {
			continue
		}
		var names []string
		for _, n := range f.Names() {
			n = strings.TrimSpace(n)
			if len(n) > 1 {
				names = append(names, "--"+n)
			} else {
				names = append(names, "-"+n)
			}
		}
		s := open + strings.Join(names, sep) + close
		if df.TakesValue() {
			s += "=" + value
		}
		if details {
			s += ": " + df.GetUsage()
			if d := flagDefault(df); d != "" {
				s += " (default: " + d + ")"
			}
		}
		out = append(out, s+"\n")
	}
	sort.Strings(out)
	return out
}

// flagDefault is the default a flag's documentation shows: its default text, else its
// value ("false" for an unset bool).
func flagDefault(f cli.DocGenerationFlag) string {
	if text := f.GetDefaultText(); text != "" {
		return text
	}
	if !f.TakesValue() {
		if b, ok := f.(*cli.BoolFlag); ok {
			return strconv.FormatBool(b.Value)
		}
		return ""
	}
	v := f.GetValue()
	if _, ok := f.(*cli.StringFlag); ok {
		v = strings.Trim(v, `"`)
	}
	return v
}

// manPage is the section 1 man page: the root's name, synopsis, description and global
// options, then a section per visible command and a subsection per visible command below it,
// each with its usage, usage text and options (the markdown reference's content, in roff).
func manPage(root *cli.Command) string {
	var b strings.Builder
	b.WriteString(".nh\n.TH " + roffEscape(root.Name) + " 1\n.SH NAME\n")
	b.WriteString(roffEscape(root.Name))
	if root.Usage != "" {
		b.WriteString(" \\- " + roffEscape(root.Usage))
	}
	b.WriteString("\n.SH SYNOPSIS\n\\fB" + roffEscape(root.Name) + "\\fP\n")
	if syn := flagLines(root.VisibleFlags(), "|", "[", "]", "[value]", false); len(syn) > 0 {
		roffBlock(&b, strings.Join(syn, ""))
	}
	if root.Description != "" {
		b.WriteString(".SH DESCRIPTION\n")
		roffText(&b, root.Description)
	}
	b.WriteString(".PP\n\\fBUsage\\fP:\n")
	usage := root.UsageText
	if usage == "" {
		usage = root.Name + " [GLOBAL OPTIONS] [command [COMMAND OPTIONS]] [ARGUMENTS...]"
	}
	roffBlock(&b, usage)
	if flags := flagLines(root.VisibleFlags(), ", ", "\x00", "\x01", `""`, true); len(flags) > 0 {
		b.WriteString(".SH GLOBAL OPTIONS\n")
		roffFlags(&b, flags)
	}
	if len(root.VisibleCommands()) > 0 {
		b.WriteString(".SH COMMANDS\n")
		manCommands(&b, root.Commands, 0)
	}
	return b.String()
}

func manCommands(b *strings.Builder, commands []*cli.Command, level int) {
	for _, c := range commands {
		if c.Hidden {
			continue
		}
		heading := ".SS "
		if level == 0 {
			heading = ".SH "
		}
		b.WriteString(heading + roffEscape(strings.Join(c.Names(), ", ")) + "\n")
		if c.Usage != "" {
			roffText(b, c.Usage)
		}
		if text := strings.Trim(c.UsageText, "\n"); text != "" {
			roffBlock(b, text)
		}
		roffFlags(b, flagLines(c.VisibleFlags(), ", ", "\x00", "\x01", `""`, true))
		manCommands(b, c.Commands, level+1)
	}
}

// roffFlags writes flag lines whose names flagLines put between \x00 and \x01, in bold.
func roffFlags(b *strings.Builder, flags []string) {
	for _, f := range flags {
		f = roffInline(strings.TrimSuffix(f, "\n"))
		f = strings.NewReplacer("\x00", "\\fB", "\x01", "\\fP").Replace(f)
		b.WriteString(".PP\n" + f + "\n")
	}
}

// roffText writes text as paragraphs (blank lines apart); indented lines, the examples, are
// kept as they are.
func roffText(b *strings.Builder, text string) {
	for _, para := range strings.Split(strings.Trim(text, "\n"), "\n\n") {
		b.WriteString(".PP\n")
		literal := false
		for _, line := range strings.Split(para, "\n") {
			if indented := strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t"); indented != literal {
				if indented {
					b.WriteString(".RS\n.nf\n")
				} else {
					b.WriteString(".fi\n.RE\n")
				}
				literal = indented
			}
			if literal {
				b.WriteString(roffEscape(line) + "\n")
			} else {
				b.WriteString(roffInline(line) + "\n")
			}
		}
		if literal {
			b.WriteString(".fi\n.RE\n")
		}
	}
}

// roffBlock writes text unfilled and indented, as a code block.
func roffBlock(b *strings.Builder, text string) {
	b.WriteString(".PP\n.RS\n.nf\n")
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString(roffEscape(line) + "\n")
	}
	b.WriteString(".fi\n.RE\n")
}

// roffInline is roffEscape with markdown's code spans (`KEY`) in bold, as go-md2man
// rendered them.
func roffInline(s string) string {
	s = roffEscape(s)
	for {
		i := strings.IndexByte(s, '`')
		j := strings.IndexByte(s[i+1:], '`')
		if i < 0 || j < 0 {
			return s
		}
		s = s[:i] + `\fB` + s[i+1:i+1+j] + `\fP` + s[i+2+j:]
	}
}

// roffEscape makes text print as itself: a backslash is roff's escape, and a line starting
// with a dot or an apostrophe would be a request.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
