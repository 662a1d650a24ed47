# The portable CPU build that node-gyp-build runs on install when no prebuilt binary
# matches. The source lists come from native/sources.json, which CMakeLists.txt reads too.
# Each instruction set is a static library of its own so that its -m flags reach only
# the files written for it; the dispatcher picks one at load time by cpuid.
{
  'variables': {
    # Linux release builds (release/build_linux.sh) link libstdc++ and libgcc in statically,
    # so the binary needs no GLIBCXX_* symbols of the host, and bind the few libm functions
    # that glibc 2.29 versioned anew to their old versions (native/common/glibc_floor.h).
    # Local builds use the system's libraries as they are.
    'linux_release%': 'false'
  },
  'target_defaults': {
    'cflags!': ['-fno-exceptions'],
    'cflags_cc!': ['-fno-exceptions', '-std=gnu++17'],
    'cflags_cc': ['-std=c++17', '-O3', '-fPIC', '-fvisibility=hidden'],
    'include_dirs': ['<!(node -p "require(\'node-addon-api\').include_dir")', 'native'],
    'defines': ['NAPI_VERSION=8', 'NODE_ADDON_API_DISABLE_DEPRECATED'],
    'conditions': [
      ['OS=="linux" and linux_release=="true"', {
        'cflags_cc': ['-include', 'common/glibc_floor.h']
      }]
    ],
    'xcode_settings': {
      'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
      'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
      'MACOSX_DEPLOYMENT_TARGET': '11.0'
    }
  },
  'targets': [
    {
      'target_name': 'recurrent',
      # core, its entry point, and the CUDA kernels built for the host under the SIMT
      # emulation (the "cuda-emulated" backend: kernels/cuda/emulated_cuda_backend.h).
      'sources': ['<!@(node native/sources.js core)', '<!@(node native/sources.js cpu_entry)', '<!@(node native/sources.js simt)', '<!@(node native/sources.js cuda_emulated)'],
      'libraries': ['-lpthread'],
      'conditions': [
        ['OS=="linux" and linux_release=="true"', {
          'ldflags': ['-static-libstdc++', '-static-libgcc']
        }],
        ['target_arch=="x64"', {
          'dependencies': ['recurrent_isa_avx2', 'recurrent_isa_avx512', 'recurrent_isa_avx512bf16', 'recurrent_isa_amx'],
          'defines': ['RECURRENT_HAVE_X86_ISAS=1']
        }]
      ]
    }
  ],
  'conditions': [
    ['target_arch=="x64"', {
      'targets': [
        {
          'target_name': 'recurrent_isa_avx2',
          'type': 'static_library',
          'sources': ['<!@(node native/sources.js avx2)'],
          'cflags_cc': ['<!@(node native/sources.js flags.avx2)'],
          'xcode_settings': { 'OTHER_CPLUSPLUSFLAGS': ['<!@(node native/sources.js flags.avx2)'] }
        },
        {
          'target_name': 'recurrent_isa_avx512',
          'type': 'static_library',
          'sources': ['<!@(node native/sources.js avx512)'],
          'cflags_cc': ['<!@(node native/sources.js flags.avx512)'],
          'xcode_settings': { 'OTHER_CPLUSPLUSFLAGS': ['<!@(node native/sources.js flags.avx512)'] }
        },
        {
          'target_name': 'recurrent_isa_avx512bf16',
          'type': 'static_library',
          'sources': ['<!@(node native/sources.js avx512bf16)'],
          'cflags_cc': ['<!@(node native/sources.js flags.avx512bf16)'],
          'xcode_settings': { 'OTHER_CPLUSPLUSFLAGS': ['<!@(node native/sources.js flags.avx512bf16)'] }
        },
        {
          'target_name': 'recurrent_isa_amx',
          'type': 'static_library',
          'sources': ['<!@(node native/sources.js amx)'],
          'cflags_cc': ['<!@(node native/sources.js flags.amx)'],
          'xcode_settings': { 'OTHER_CPLUSPLUSFLAGS': ['<!@(node native/sources.js flags.amx)'] }
        }
      ]
    }]
  ]
}
