package blazar

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
)

// FlavorID returns the id of the Nova flavor nameOrID names, as python-chi resolves a flavor
// reservation's flavor: a flavor of that id, else the one flavor of that name. No match is a
// NotFound error and several matches a Conflict error, both naming what was found.
func FlavorID(ctx context.Context, compute *gophercloud.ServiceClient, nameOrID string) (string, error) {
	page, err := flavors.ListDetail(compute, flavors.ListOpts{AccessType: flavors.AllAccess}).AllPages(ctx)
	if err != nil {
		return "", ConvertError(err)
	}
	all, err := flavors.ExtractFlavors(page)
	if err != nil {
		return "", err
	}
	var ids []string
	for _, f := range all {
		if f.ID == nameOrID {
			return f.ID, nil
		}
		if f.Name == nameOrID {
			ids = append(ids, f.ID)
		}
	}
	switch len(ids) {
	case 0:
		return "", &Error{Kind: NotFound, Message: fmt.Sprintf("no Nova flavor named %q is visible to this project", nameOrID)}
	case 1:
		return ids[0], nil
	}
	slices.Sort(ids)
	return "", &Error{Kind: Conflict, Message: fmt.Sprintf("%d Nova flavors are named %q (%s): use the flavor id instead",
		len(ids), nameOrID, strings.Join(ids, ", "))}
}
