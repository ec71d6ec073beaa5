// PostGraphile v4 options for the benchmark (read by the CLI): relation filters, as GeoProjects' `zone: { name: … }`.
module.exports = {
  options: {
    graphileBuildOptions: { connectionFilterRelations: true },
  },
};
