# The MPI addon (recurrent_mpi.node), apart from the main addon so that the plain install
# needs no MPI. release/build_mpi_if_available.js runs node-gyp here with CXX and LINK set
# to the MPI compiler wrapper (mpicxx), which supplies MPI's include and library flags, so
# this file names no MPI paths and works with Open MPI and MPICH alike. Its source list is
# the 'mpi' group of native/sources.json.
{
  'targets': [
    {
      'target_name': 'recurrent_mpi',
      'sources': ['<!@(node ../sources.js mpi --from native/mpi)'],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc!': ['-fno-exceptions', '-std=gnu++17'],
      'cflags_cc': ['-std=c++17', '-O2', '-fPIC', '-fvisibility=hidden'],
      'include_dirs': ['<!(node -p "require(\'node-addon-api\').include_dir")'],
      'defines': ['NAPI_VERSION=8', 'NODE_ADDON_API_DISABLE_DEPRECATED', 'OMPI_SKIP_MPICXX=1', 'MPICH_SKIP_MPICXX=1'],
      'xcode_settings': {
        'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
        'CLANG_CXX_LANGUAGE_STANDARD': 'c++17'
      }
    }
  ]
}
