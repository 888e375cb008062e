package blazar

import (
	"context"

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
	return oneNamed(ids, "Nova flavor", "flavor", nameOrID)
}
