mod contract;
mod stored_format;
