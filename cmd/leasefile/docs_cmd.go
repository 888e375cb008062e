package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	docs "github.com/urfave/cli-docs/v3"
	"github.com/urfave/cli/v3"
)

// docsCommand generates the man page (and a markdown reference) from the command tree, so
// that they never drift from -help: `make man` runs it. Hidden: it is for packagers.
func (a *app) docsCommand() *cli.Command {
	var format, dir string
	return &cli.Command{
		Name:      "docs",
		Hidden:    true,
		Usage:     "write the man page or markdown reference, generated from the commands",
		UsageText: "leasefile docs [-format man|markdown] [-o DIR]",
		Description: "Writes leasefile.1 (or leasefile.md) into DIR, or prints it with no -o.\n\n" +
			"Example:\n  leasefile docs -format man -o man/man1",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "man", Usage: "man or markdown", Destination: &format},
			&cli.StringFlag{Name: "o", Usage: "the directory to write into (default: print)", Destination: &dir},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			root := c.Root()
			var text, name string
			var err error
			switch format {
			case "man":
				text, err = docs.ToManWithSection(root, 1)
				name = "leasefile.1"
			case "markdown", "md":
				text, err = docs.ToMarkdown(root)
				name = "leasefile.md"
			default:
				return fmt.Errorf("unknown -format %q: use man or markdown", format)
			}
			if err != nil {
				return err
			}
			if dir == "" {
				_, err := fmt.Fprint(a.stdout, text)
				return err
			}
			dir = a.abs(dir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Wrote %s\n", displayPath(a, path))
			return nil
		},
	}
}

// configureCompletion lists the completion command (urfave/cli hides it) and describes it
// in this CLI's words.
func configureCompletion(c *cli.Command) {
	c.Hidden = false
	c.Usage = "print a shell completion script: bash, zsh, fish or pwsh"
	c.Description = "Commands, subcommands and flags complete with Tab.\n\n" +
		"  bash: source <(leasefile completion bash)          # in ~/.bashrc\n" +
		"  zsh:  source <(leasefile completion zsh)           # in ~/.zshrc\n" +
		"  fish: leasefile completion fish > ~/.config/fish/completions/leasefile.fish\n\n" +
		"Example:\n  leasefile completion bash > /etc/bash_completion.d/leasefile"
}
