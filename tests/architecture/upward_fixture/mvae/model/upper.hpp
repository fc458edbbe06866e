// The higher-floor header the fixture includes.
#pragma once
#include "mvae/core/types.hpp"
