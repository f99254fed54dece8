"""Developer tools outside the shipped package: `invoke bench` and its report."""
