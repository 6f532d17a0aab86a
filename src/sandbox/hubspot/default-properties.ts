import type { HubspotPropertyDef } from './types.js';

type Shorthand = {
  type?: string;
  fieldType?: string;
  label?: string;
  unique?: boolean;
  readOnly?: boolean;
  calculated?: boolean;
  options?: string[] | [string, string][];
};

function def(name: string, group: string, s: Shorthand = {}): HubspotPropertyDef {
  const type = s.type ?? 'string';
  const fieldType =
    s.fieldType ??
    ({ number: 'number', datetime: 'date', date: 'date', enumeration: 'select', bool: 'booleancheckbox' }[
      type
    ] as string | undefined) ??
    'text';
  return {
    name,
    label: s.label ?? name,
    type,
    fieldType,
    groupName: group,
    description: '',
    options: (s.options ?? []).map((o, i) =>
      Array.isArray(o)
        ? { label: o[1], value: o[0], displayOrder: i, hidden: false }
        : { label: o, value: o, displayOrder: i, hidden: false },
    ),
    hasUniqueValue: s.unique ?? false,
    calculated: s.calculated ?? false,
    externalOptions: false,
    hidden: false,
    formField: !s.readOnly,
    hubspotDefined: true,
    modificationMetadata: {
      archivable: true,
      readOnlyDefinition: true,
      readOnlyValue: s.readOnly ?? false,
    },
  };
}

const LIFECYCLE_STAGES: [string, string][] = [
  ['subscriber', 'Subscriber'],
  ['lead', 'Lead'],
  ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['evangelist', 'Evangelist'],
  ['other', 'Other'],
];

/** HubSpot's built-in company industries (LinkedIn's list); values are the API codes. */
const INDUSTRIES = [
  'ACCOUNTING',
  'AIRLINES_AVIATION',
  'ALTERNATIVE_DISPUTE_RESOLUTION',
  'ALTERNATIVE_MEDICINE',
  'ANIMATION',
  'APPAREL_FASHION',
  'ARCHITECTURE_PLANNING',
  'ARTS_AND_CRAFTS',
  'AUTOMOTIVE',
  'AVIATION_AEROSPACE',
  'BANKING',
  'BIOTECHNOLOGY',
  'BROADCAST_MEDIA',
  'BUILDING_MATERIALS',
  'BUSINESS_SUPPLIES_AND_EQUIPMENT',
  'CAPITAL_MARKETS',
  'CHEMICALS',
  'CIVIC_SOCIAL_ORGANIZATION',
  'CIVIL_ENGINEERING',
  'COMMERCIAL_REAL_ESTATE',
  'COMPUTER_NETWORK_SECURITY',
  'COMPUTER_GAMES',
  'COMPUTER_HARDWARE',
  'COMPUTER_NETWORKING',
  'COMPUTER_SOFTWARE',
  'INTERNET',
  'CONSTRUCTION',
  'CONSUMER_ELECTRONICS',
  'CONSUMER_GOODS',
  'CONSUMER_SERVICES',
  'COSMETICS',
  'DAIRY',
  'DEFENSE_SPACE',
  'DESIGN',
  'EDUCATION_MANAGEMENT',
  'E_LEARNING',
  'ELECTRICAL_ELECTRONIC_MANUFACTURING',
  'ENTERTAINMENT',
  'ENVIRONMENTAL_SERVICES',
  'EVENTS_SERVICES',
  'EXECUTIVE_OFFICE',
  'FACILITIES_SERVICES',
  'FARMING',
  'FINANCIAL_SERVICES',
  'FINE_ART',
  'FISHERY',
  'FOOD_BEVERAGES',
  'FOOD_PRODUCTION',
  'FUND_RAISING',
  'FURNITURE',
  'GAMBLING_CASINOS',
  'GLASS_CERAMICS_CONCRETE',
  'GOVERNMENT_ADMINISTRATION',
  'GOVERNMENT_RELATIONS',
  'GRAPHIC_DESIGN',
  'HEALTH_WELLNESS_AND_FITNESS',
  'HIGHER_EDUCATION',
  'HOSPITAL_HEALTH_CARE',
  'HOSPITALITY',
  'HUMAN_RESOURCES',
  'IMPORT_AND_EXPORT',
  'INDIVIDUAL_FAMILY_SERVICES',
  'INDUSTRIAL_AUTOMATION',
  'INFORMATION_SERVICES',
  'INFORMATION_TECHNOLOGY_AND_SERVICES',
  'INSURANCE',
  'INTERNATIONAL_AFFAIRS',
  'INTERNATIONAL_TRADE_AND_DEVELOPMENT',
  'INVESTMENT_BANKING',
  'INVESTMENT_MANAGEMENT',
  'JUDICIARY',
  'LAW_ENFORCEMENT',
  'LAW_PRACTICE',
  'LEGAL_SERVICES',
  'LEGISLATIVE_OFFICE',
  'LEISURE_TRAVEL_TOURISM',
  'LIBRARIES',
  'LOGISTICS_AND_SUPPLY_CHAIN',
  'LUXURY_GOODS_JEWELRY',
  'MACHINERY',
  'MANAGEMENT_CONSULTING',
  'MARITIME',
  'MARKET_RESEARCH',
  'MARKETING_AND_ADVERTISING',
  'MECHANICAL_OR_INDUSTRIAL_ENGINEERING',
  'MEDIA_PRODUCTION',
  'MEDICAL_DEVICES',
  'MEDICAL_PRACTICE',
  'MENTAL_HEALTH_CARE',
  'MILITARY',
  'MINING_METALS',
  'MOTION_PICTURES_AND_FILM',
  'MUSEUMS_AND_INSTITUTIONS',
  'MUSIC',
  'NANOTECHNOLOGY',
  'NEWSPAPERS',
  'NON_PROFIT_ORGANIZATION_MANAGEMENT',
  'OIL_ENERGY',
  'ONLINE_MEDIA',
  'OUTSOURCING_OFFSHORING',
  'PACKAGE_FREIGHT_DELIVERY',
  'PACKAGING_AND_CONTAINERS',
  'PAPER_FOREST_PRODUCTS',
  'PERFORMING_ARTS',
  'PHARMACEUTICALS',
  'PHILANTHROPY',
  'PHOTOGRAPHY',
  'PLASTICS',
  'POLITICAL_ORGANIZATION',
  'PRIMARY_SECONDARY_EDUCATION',
  'PRINTING',
  'PROFESSIONAL_TRAINING_COACHING',
  'PROGRAM_DEVELOPMENT',
  'PUBLIC_POLICY',
  'PUBLIC_RELATIONS_AND_COMMUNICATIONS',
  'PUBLIC_SAFETY',
  'PUBLISHING',
  'RAILROAD_MANUFACTURE',
  'RANCHING',
  'REAL_ESTATE',
  'RECREATIONAL_FACILITIES_AND_SERVICES',
  'RELIGIOUS_INSTITUTIONS',
  'RENEWABLES_ENVIRONMENT',
  'RESEARCH',
  'RESTAURANTS',
  'RETAIL',
  'SECURITY_AND_INVESTIGATIONS',
  'SEMICONDUCTORS',
  'SHIPBUILDING',
  'SPORTING_GOODS',
  'SPORTS',
  'STAFFING_AND_RECRUITING',
  'SUPERMARKETS',
  'TELECOMMUNICATIONS',
  'TEXTILES',
  'THINK_TANKS',
  'TOBACCO',
  'TRANSLATION_AND_LOCALIZATION',
  'TRANSPORTATION_TRUCKING_RAILROAD',
  'UTILITIES',
  'VENTURE_CAPITAL_PRIVATE_EQUITY',
  'VETERINARY',
  'WAREHOUSING',
  'WHOLESALE',
  'WINE_AND_SPIRITS',
  'WIRELESS',
  'WRITING_AND_EDITING',
  'MOBILE_GAMES',
];

function companies(): HubspotPropertyDef[] {
  const g = 'companyinformation';
  return [
    def('name', g, { label: 'Company name' }),
    def('domain', g, { label: 'Company Domain Name' }),
    def('website', g, { label: 'Website URL' }),
    def('industry', g, {
      label: 'Industry',
      type: 'enumeration',
      fieldType: 'select',
      options: INDUSTRIES,
    }),
    def('description', g, { label: 'Description', fieldType: 'textarea' }),
    def('city', g, { label: 'City' }),
    def('state', g, { label: 'State/Region' }),
    def('country', g, { label: 'Country/Region' }),
    def('phone', g, { label: 'Phone Number', fieldType: 'phonenumber' }),
    def('numberofemployees', g, { label: 'Number of Employees', type: 'number' }),
    def('annualrevenue', g, { label: 'Annual Revenue', type: 'number' }),
    def('lifecyclestage', g, {
      label: 'Lifecycle Stage',
      type: 'enumeration',
      fieldType: 'radio',
      options: LIFECYCLE_STAGES,
    }),
    def('hs_object_id', g, { label: 'Record ID', type: 'number', readOnly: true }),
    def('createdate', g, { label: 'Create Date', type: 'datetime', readOnly: true }),
    def('hs_lastmodifieddate', 'company_activity', {
      label: 'Last Modified Date',
      type: 'datetime',
      readOnly: true,
    }),
    def('hs_unique_creation_key', g, { label: 'Unique creation key', unique: true, readOnly: true }),
    def('num_associated_contacts', g, {
      label: 'Number of Associated Contacts',
      type: 'number',
      readOnly: true,
      calculated: true,
    }),
  ];
}

function contacts(): HubspotPropertyDef[] {
  const g = 'contactinformation';
  return [
    def('email', g, { label: 'Email', unique: true }),
    def('firstname', g, { label: 'First Name' }),
    def('lastname', g, { label: 'Last Name' }),
    def('jobtitle', g, { label: 'Job Title' }),
    def('phone', g, { label: 'Phone Number', fieldType: 'phonenumber' }),
    def('company', g, { label: 'Company Name' }),
    def('website', g, { label: 'Website URL' }),
    def('city', g, { label: 'City' }),
    def('country', g, { label: 'Country/Region' }),
    def('lifecyclestage', g, {
      label: 'Lifecycle Stage',
      type: 'enumeration',
      fieldType: 'radio',
      options: LIFECYCLE_STAGES,
    }),
    def('hs_object_id', g, { label: 'Record ID', type: 'number', readOnly: true }),
    def('createdate', g, { label: 'Create Date', type: 'datetime', readOnly: true }),
    def('lastmodifieddate', g, { label: 'Last Modified Date', type: 'datetime', readOnly: true }),
    def('hs_lastmodifieddate', g, {
      label: 'Object last modified date/time',
      type: 'datetime',
      readOnly: true,
    }),
    def('hs_unique_creation_key', g, { label: 'Unique creation key', unique: true, readOnly: true }),
    def('associatedcompanyid', g, { label: 'Primary Associated Company ID', type: 'number' }),
  ];
}

function deals(): HubspotPropertyDef[] {
  const g = 'dealinformation';
  return [
    def('dealname', g, { label: 'Deal Name' }),
    def('amount', 'deal_revenue', { label: 'Amount', type: 'number' }),
    def('closedate', g, { label: 'Close Date', type: 'datetime' }),
    def('pipeline', 'deal_activity', {
      label: 'Pipeline',
      type: 'enumeration',
      options: [['default', 'Sales Pipeline']],
    }),
    def('dealstage', 'deal_activity', {
      label: 'Deal Stage',
      type: 'enumeration',
      fieldType: 'radio',
      options: [
        ['appointmentscheduled', 'Appointment Scheduled'],
        ['qualifiedtobuy', 'Qualified To Buy'],
        ['presentationscheduled', 'Presentation Scheduled'],
        ['decisionmakerboughtin', 'Decision Maker Bought-In'],
        ['contractsent', 'Contract Sent'],
        ['closedwon', 'Closed Won'],
        ['closedlost', 'Closed Lost'],
      ],
    }),
    def('hs_object_id', g, { label: 'Record ID', type: 'number', readOnly: true }),
    def('createdate', g, { label: 'Create Date', type: 'datetime', readOnly: true }),
    def('hs_lastmodifieddate', 'deal_activity', {
      label: 'Last Modified Date',
      type: 'datetime',
      readOnly: true,
    }),
    def('hs_unique_creation_key', g, { label: 'Unique creation key', unique: true, readOnly: true }),
  ];
}

/**
 * Object type -> HubSpot-defined properties, as in a new portal. Custom properties (a unique-value
 * id to match on, say) come from the project's saved schemas in spoke_schemas/.
 */
export function defaultHubspotProperties(): Record<string, HubspotPropertyDef[]> {
  return { companies: companies(), contacts: contacts(), deals: deals() };
}
